#include <ember/data/encoded_corpus.h>

#include <algorithm>

#include <ember/data/corpus.h>
#include <ember/tensor/error.h>

namespace ember::data {

int64_t EncodedCorpus::for_each_sentence(
    const std::string& path, const Vocabulary& vocab, int64_t max_sentence,
    const std::function<void(const int32_t*, int64_t)>& on_sentence) {
  EMBER_CHECK(max_sentence > 0, "EncodedCorpus: max_sentence must be positive, got ", max_sentence);
  EMBER_CHECK(vocab.size() < (int64_t(1) << 31), "EncodedCorpus: vocabulary of ", vocab.size(),
              " words does not fit 32-bit ids");
  int64_t raw_tokens = 0;
  CorpusReader reader(path);
  std::vector<std::string_view> tokens;
  std::vector<int32_t> sentence;
  while (reader.next_sentence(tokens)) {
    raw_tokens += int64_t(tokens.size());
    sentence.clear();
    for (std::string_view token : tokens) {
      const int64_t id = vocab.find(token);
      if (id == Vocabulary::kNone) continue;
      sentence.push_back(int32_t(id));
      if (int64_t(sentence.size()) == max_sentence) {
        on_sentence(sentence.data(), max_sentence);
        sentence.clear();
      }
    }
    if (!sentence.empty()) on_sentence(sentence.data(), int64_t(sentence.size()));
  }
  reader.warn_summary();
  return raw_tokens;
}

EncodedCorpus EncodedCorpus::encode(const std::string& path, const Vocabulary& vocab,
                                    int64_t max_sentence) {
  EncodedCorpus corpus;
  corpus.sentence_starts.push_back(0);
  corpus.raw_tokens =
      for_each_sentence(path, vocab, max_sentence, [&corpus](const int32_t* ids, int64_t n) {
        corpus.ids.insert(corpus.ids.end(), ids, ids + n);
        corpus.sentence_starts.push_back(int64_t(corpus.ids.size()));
      });
  corpus.ids.shrink_to_fit();
  corpus.sentence_starts.shrink_to_fit();
  return corpus;
}

std::vector<int64_t> split_sentences(int64_t S, int64_t N, int64_t parts,
                                     const std::function<int64_t(int64_t)>& start) {
  EMBER_CHECK(parts > 0, "EncodedCorpus::split: parts must be positive, got ", parts);
  std::vector<int64_t> bounds(size_t(parts) + 1, S);
  bounds[0] = 0;
  for (int64_t p = 1; p < parts; ++p) {
    // The first sentence in [bounds[p - 1], S) whose start is at or past the target (starts
    // increase, so a binary search finds it).
    const int64_t target = N * p / parts;
    int64_t lo = bounds[size_t(p) - 1], hi = S;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (start(mid) < target)
        lo = mid + 1;
      else
        hi = mid;
    }
    bounds[size_t(p)] = lo;
  }
  return bounds;
}

std::vector<int64_t> EncodedCorpus::split(int64_t parts) const {
  return split_sentences(num_sentences(), num_ids(), parts,
                         [this](int64_t s) { return sentence_starts[size_t(s)]; });
}

}  // namespace ember::data
