#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>

#include <ember/data/corpus.h>
#include <ember/data/tokenize.h>
#include <ember/data/vocab.h>
#include <ember/nn/serialize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void WordCounter::add(std::string_view token) {
  ++total_;
  int64_t position = index_.find(token, words_);
  if (position != StringIndex::kNone) {
    ++counts_[size_t(position)];
    return;
  }
  words_.emplace_back(token);
  counts_.push_back(1);
  index_.insert(int64_t(words_.size()) - 1, words_);
}

std::vector<std::pair<std::string, int64_t>> WordCounter::take() {
  std::vector<std::pair<std::string, int64_t>> pairs(words_.size());
  for (size_t i = 0; i < words_.size(); ++i) pairs[i] = {std::move(words_[i]), counts_[i]};
  words_.clear();
  counts_.clear();
  index_.clear();
  return pairs;
}

Vocabulary::Vocabulary(const VocabularyOptions& options) {
  for (const std::string& special : options.specials) {
    EMBER_CHECK(!special.empty(), "Vocabulary: a special token is empty");
    for (char c : special)
      EMBER_CHECK(!is_space(static_cast<unsigned char>(c)), "Vocabulary: special token \"", special,
                  "\" contains whitespace");
    EMBER_CHECK(find(special) == kNone, "Vocabulary: special token \"", special, "\" given twice");
    int64_t id = size();
    add(special, 0);
    std::string name = lower(special);
    if (name == "<pad>") pad_id_ = id;
    if (name == "<unk>") unk_id_ = id;
    if (name == "<bos>") bos_id_ = id;
    if (name == "<eos>") eos_id_ = id;
  }
  num_specials_ = size();
}

void Vocabulary::add(std::string word, int64_t count) {
  words_.push_back(std::move(word));
  counts_.push_back(count);
  index_.insert(int64_t(words_.size()) - 1, words_);
}

Vocabulary Vocabulary::from_counts(std::vector<std::pair<std::string, int64_t>> word_counts,
                                   const VocabularyOptions& options) {
  EMBER_CHECK(options.min_count >= 0, "Vocabulary: min_count must be >= 0, got ",
              options.min_count);
  EMBER_CHECK(options.max_size >= 0, "Vocabulary: max_size must be >= 0, got ", options.max_size);
  Vocabulary vocab(options);
  // Most frequent first; ties keep the input order (first appearance for a corpus).
  std::stable_sort(word_counts.begin(), word_counts.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  int64_t kept = 0;
  for (auto& [word, count] : word_counts) {
    if (count < options.min_count) break;
    if (options.max_size > 0 && kept == options.max_size) break;
    if (vocab.find(word) != kNone) continue;  // a special token met in the text
    vocab.add(std::move(word), count);
    ++kept;
  }
  return vocab;
}

Vocabulary Vocabulary::build(WordCounter counter, const VocabularyOptions& options) {
  int64_t total = counter.total();
  Vocabulary vocab = from_counts(counter.take(), options);
  vocab.total_tokens_ = total;
  return vocab;
}

Vocabulary Vocabulary::build(const std::string& corpus_path, const VocabularyOptions& options) {
  CorpusReader reader(corpus_path);
  WordCounter counter;
  std::vector<std::string_view> tokens;
  while (reader.next_sentence(tokens))
    for (std::string_view token : tokens) counter.add(token);
  reader.warn_summary();
  return build(std::move(counter), options);
}

Vocabulary Vocabulary::build(const std::vector<std::string>& texts,
                             const VocabularyOptions& options) {
  WordCounter counter;
  std::vector<std::string_view> tokens;
  for (const std::string& text : texts) {
    tokens.clear();
    split_whitespace(text, tokens);
    for (std::string_view token : tokens) counter.add(token);
  }
  return build(std::move(counter), options);
}

int64_t Vocabulary::find(std::string_view word) const { return index_.find(word, words_); }

int64_t Vocabulary::id(std::string_view word) const {
  int64_t found = find(word);
  return found == kNone ? unk_id_ : found;
}

const std::string& Vocabulary::word(int64_t id) const {
  EMBER_CHECK(id >= 0 && id < size(), "Vocabulary::word: id ", id, " out of range for ", size(),
              " words");
  return words_[size_t(id)];
}

int64_t Vocabulary::kept_tokens() const {
  return std::accumulate(counts_.begin(), counts_.end(), int64_t(0));
}

std::vector<int64_t> Vocabulary::encode(std::string_view text) const {
  std::vector<std::string_view> tokens;
  split_whitespace(text, tokens);
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  for (std::string_view token : tokens) {
    int64_t found = id(token);
    if (found != kNone) ids.push_back(found);
  }
  return ids;
}

std::string Vocabulary::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    EMBER_CHECK(ids[i] >= 0 && ids[i] < size(), "Vocabulary::decode: id ", ids[i], " at position ",
                i, " out of range for ", size(), " words");
    if (i) text += ' ';
    text += words_[size_t(ids[i])];
  }
  return text;
}

void Vocabulary::save(const std::string& path) const {
  std::string text;
  for (int64_t i = 0; i < size(); ++i)
    text += words_[size_t(i)] + ' ' + std::to_string(counts_[size_t(i)]) + '\n';
  // path.tmp, fsync, rename, fsync of the directory; the temporary file is removed on error.
  try {
    nn::write_text_atomic(path, text);
  } catch (const Error& e) {
    EMBER_FAIL("Vocabulary::save: ", e.what());
  }
}

Vocabulary Vocabulary::load(const std::string& path) {
  const std::string why = nn::why_not_a_regular_file(path);
  EMBER_CHECK(why.empty(), "Vocabulary::load: ", path, ": ", why);
  std::ifstream in(path, std::ios::binary);
  EMBER_CHECK(in, "Vocabulary::load: cannot open ", path, ": ", std::strerror(errno));
  // Leading lines with count 0 are the special tokens; every other line a word.
  VocabularyOptions options;
  struct Entry {
    std::string word;
    int64_t count, line;
  };
  std::vector<Entry> entries;
  int64_t total = 0;  // the counts so far
  std::string line;
  int64_t line_number = 0;
  bool in_specials = true;
  while (std::getline(in, line)) {
    ++line_number;
    std::vector<std::string_view> fields;
    split_whitespace(line, fields);
    EMBER_CHECK(fields.size() == 2, path, ":", line_number, ": expected \"word count\", got ",
                fields.size(), " fields");
    std::string count_text(fields[1]);
    char* end = nullptr;
    errno = 0;
    long long count = std::strtoll(count_text.c_str(), &end, 10);
    EMBER_CHECK(errno == 0 && end == count_text.c_str() + count_text.size() && count >= 0, path,
                ":", line_number, ": bad count \"", count_text, "\"");
    if (in_specials && count == 0) {
      options.specials.emplace_back(fields[0]);
      continue;
    }
    in_specials = false;
    // The counts' sum is the corpus's token count: it must fit in int64 too.
    EMBER_CHECK(!__builtin_add_overflow(total, int64_t(count), &total), path, ":", line_number,
                ": the counts add up past 2^63 here; not a vocabulary of a corpus");
    entries.push_back({std::string(fields[0]), count, line_number});
  }
  EMBER_CHECK(in.eof(), "Vocabulary::load: read error in ", path, " after line ", line_number);
  Vocabulary vocab(options);
  for (Entry& entry : entries) {
    EMBER_CHECK(vocab.find(entry.word) == kNone, path, ":", entry.line, ": word \"", entry.word,
                "\" appears twice");
    if (vocab.size() > vocab.num_specials_)
      EMBER_CHECK(entry.count <= vocab.counts_.back(), path, ":", entry.line, ": word \"",
                  entry.word, "\" is out of order (counts must not increase)");
    vocab.add(std::move(entry.word), entry.count);
  }
  vocab.total_tokens_ = vocab.kept_tokens();
  return vocab;
}

}  // namespace ember::data
