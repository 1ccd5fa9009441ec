#include <algorithm>
#include <climits>

#include <ember/data/fasttext_ngrams.h>
#include <ember/data/vocab.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

void check_options(const SubwordOptions& options, int64_t nwords) {
  EMBER_CHECK(options.maxn <= 0 || (options.minn >= 1 && options.minn <= options.maxn),
              "fastText subwords: need 1 <= minn <= maxn, got minn ", options.minn, ", maxn ",
              options.maxn);
  EMBER_CHECK(options.maxn <= 0 || options.bucket > 0,
              "fastText subwords: bucket must be positive when maxn > 0, got ", options.bucket);
  EMBER_CHECK(nwords >= 0 && nwords + options.bucket <= INT32_MAX, "fastText subwords: ", nwords,
              " words + ", options.bucket, " buckets do not fit int32 ids");
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

void compute_subwords(std::string_view word, const SubwordOptions& options, int64_t nwords,
                      std::vector<int32_t>& ids, std::vector<std::string>* ngrams) {
  check_options(options, nwords);
  if (options.maxn <= 0) return;
  std::string wrapped;
  wrapped.reserve(word.size() + 2);
  wrapped += '<';
  wrapped += word;
  wrapped += '>';
  const size_t size = wrapped.size();
  const uint32_t bucket = uint32_t(options.bucket);
  // fastText's loop: i walks character starts; j extends the n-gram one character at a time.
  for (size_t i = 0; i < size; ++i) {
    if (is_continuation(wrapped[i])) continue;
    size_t j = i;
    for (int32_t n = 1; j < size && n <= options.maxn; ++n) {
      ++j;
      while (j < size && is_continuation(wrapped[j])) ++j;
      if (n >= options.minn && !(n == 1 && (i == 0 || j == size))) {
        std::string_view ngram(wrapped.data() + i, j - i);
        ids.push_back(int32_t(nwords + fasttext_hash(ngram) % bucket));
        if (ngrams) ngrams->emplace_back(ngram);
      }
    }
  }
}

void add_word_ngrams(const std::vector<int32_t>& token_hashes, int32_t n, int64_t nwords,
                     int64_t bucket, std::vector<int32_t>& ids) {
  EMBER_CHECK(bucket > 0 || n <= 1, "fastText word n-grams: bucket must be positive, got ", bucket);
  EMBER_CHECK(nwords >= 0 && nwords + bucket <= INT32_MAX, "fastText word n-grams: ", nwords,
              " words + ", bucket, " buckets do not fit int32 ids");
  const size_t count = token_hashes.size();
  for (size_t i = 0; i < count; ++i) {
    uint64_t h = uint64_t(int64_t(token_hashes[i]));
    for (size_t j = i + 1; j < count && j < i + size_t(std::max(n, 0)); ++j) {
      h = h * 116049371u + uint64_t(int64_t(token_hashes[j]));
      ids.push_back(int32_t(nwords + int64_t(h % uint64_t(bucket))));
    }
  }
}

SubwordTable::SubwordTable(const Vocabulary& vocab, const SubwordOptions& options)
    : options_(options) {
  check_options(options, vocab.size());
  offsets_.reserve(size_t(vocab.size()) + 1);
  for (int64_t id = 0; id < vocab.size(); ++id) {
    ids_.push_back(int32_t(id));
    const std::string& word = vocab.word(id);
    if (id >= vocab.num_specials() && word != "</s>")
      compute_subwords(word, options, vocab.size(), ids_);
    offsets_.push_back(int64_t(ids_.size()));
  }
}

std::vector<int32_t> SubwordTable::oov(std::string_view word) const {
  std::vector<int32_t> ids;
  compute_subwords(word, options_, num_words(), ids);
  return ids;
}

}  // namespace ember::data
