#include <ember/data/encoded_corpus.h>

#include <ember/data/corpus.h>
#include <ember/tensor/error.h>

namespace ember::data {

EncodedCorpus EncodedCorpus::encode(const std::string& path, const Vocabulary& vocab,
                                    int64_t max_sentence) {
  EMBER_CHECK(max_sentence > 0, "EncodedCorpus: max_sentence must be positive, got ", max_sentence);
  EMBER_CHECK(vocab.size() < (int64_t(1) << 31), "EncodedCorpus: vocabulary of ", vocab.size(),
              " words does not fit 32-bit ids");
  EncodedCorpus corpus;
  corpus.sentence_starts.push_back(0);
  CorpusReader reader(path);
  std::vector<std::string_view> tokens;
  while (reader.next_sentence(tokens)) {
    corpus.raw_tokens += int64_t(tokens.size());
    int64_t in_sentence = 0;
    for (std::string_view token : tokens) {
      int64_t id = vocab.find(token);
      if (id == Vocabulary::kNone) continue;
      corpus.ids.push_back(int32_t(id));
      if (++in_sentence == max_sentence) {
        corpus.sentence_starts.push_back(int64_t(corpus.ids.size()));
        in_sentence = 0;
      }
    }
    if (in_sentence > 0) corpus.sentence_starts.push_back(int64_t(corpus.ids.size()));
  }
  reader.warn_summary();
  corpus.ids.shrink_to_fit();
  corpus.sentence_starts.shrink_to_fit();
  return corpus;
}

std::vector<int64_t> EncodedCorpus::split(int64_t parts) const {
  EMBER_CHECK(parts > 0, "EncodedCorpus::split: parts must be positive, got ", parts);
  const int64_t sentences = num_sentences();
  std::vector<int64_t> bounds(size_t(parts) + 1, sentences);
  bounds[0] = 0;
  int64_t s = 0;
  for (int64_t p = 1; p < parts; ++p) {
    const int64_t target = num_ids() * p / parts;
    while (s < sentences && sentence_starts[size_t(s)] < target) ++s;
    bounds[size_t(p)] = s;
  }
  return bounds;
}

}  // namespace ember::data
