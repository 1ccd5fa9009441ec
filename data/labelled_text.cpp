#include <algorithm>
#include <numeric>

#include <ember/data/corpus.h>
#include <ember/data/labelled_text.h>
#include <ember/data/tokenize.h>
#include <ember/tensor/error.h>

namespace ember::data {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_space(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// fastText's label tokens: the prefix and at least one more character.
bool is_label_token(std::string_view token, const std::string& prefix) {
  return token.size() > prefix.size() && token.substr(0, prefix.size()) == prefix;
}

// Splits one line into its label and text tokens; false for a blank line.
bool parse_line(std::string_view line, const LabelledTextOptions& options,
                const CorpusReader& reader, std::string_view& label,
                std::vector<std::string_view>& tokens) {
  tokens.clear();
  label = {};
  if (trim(line).empty()) return false;
  if (options.format == TextFormat::kTsv) {
    size_t first_tab = line.find('\t'), last_tab = line.rfind('\t');
    EMBER_CHECK(first_tab != std::string_view::npos, reader.path(), ":", reader.line_number(),
                ": expected \"label<TAB>text\", found no tab");
    label = trim(line.substr(0, first_tab));
    split_whitespace(line.substr(last_tab + 1), tokens);
  } else {
    std::vector<std::string_view> all;
    split_whitespace(line, all);
    const std::string& prefix = options.label_prefix;
    for (std::string_view token : all) {
      if (!is_label_token(token, prefix))
        tokens.push_back(token);
      else if (label.empty())
        label = token.substr(prefix.size());  // further labels are ignored
    }
  }
  EMBER_CHECK(!label.empty(), reader.path(), ":", reader.line_number(), ": no label",
              options.format == TextFormat::kFastText ? " (no token starts with " : "",
              options.format == TextFormat::kFastText ? options.label_prefix + ")" : "");
  return true;
}

}  // namespace

std::vector<int64_t> encode_text(const std::vector<std::string_view>& tokens,
                                 const Vocabulary& vocab, const LabelledTextOptions& options) {
  std::vector<int64_t> words;
  for (std::string_view token : tokens) {
    const int64_t id = vocab.id(token);
    if (id != Vocabulary::kNone) words.push_back(id);
  }
  // The ids kept, <bos> and <eos> included, are at most max_length: words [begin, end).
  const int64_t specials = options.add_bos_eos ? 2 : 0;
  int64_t begin = 0, end = int64_t(words.size());
  if (options.max_length > 0 && end + specials > options.max_length) {
    const int64_t room = options.max_length - specials;
    if (options.keep_last)
      begin = end - room;
    else
      end = room;
  }
  std::vector<int64_t> ids;
  ids.reserve(size_t(end - begin + specials));
  if (options.add_bos_eos) ids.push_back(vocab.bos_id());
  ids.insert(ids.end(), words.begin() + begin, words.begin() + end);
  if (options.add_bos_eos) ids.push_back(vocab.eos_id());
  return ids;
}

std::vector<int64_t> encode_unlabelled_line(std::string_view line, const Vocabulary& vocab,
                                            const LabelledTextOptions& options) {
  const size_t last_tab = line.rfind('\t');
  std::vector<std::string_view> all, tokens;
  split_whitespace(last_tab == std::string_view::npos ? line : line.substr(last_tab + 1), all);
  for (std::string_view token : all)
    if (!is_label_token(token, options.label_prefix)) tokens.push_back(token);
  return encode_text(tokens, vocab, options);
}

Vocabulary LabelledTextDataset::build_vocabulary(const std::string& path,
                                                 const VocabularyOptions& vocab,
                                                 const LabelledTextOptions& options) {
  CorpusReader reader(path);
  WordCounter counter;
  std::string_view line, label;
  std::vector<std::string_view> tokens;
  while (reader.next_line(line))
    if (parse_line(line, options, reader, label, tokens))
      for (std::string_view token : tokens) counter.add(token);
  reader.warn_summary();
  return Vocabulary::build(std::move(counter), vocab);
}

LabelledTextDataset::LabelledTextDataset(const std::string& path, const Vocabulary& vocab,
                                         const LabelledTextOptions& options) {
  EMBER_CHECK(options.max_length >= 0, "LabelledTextDataset: max_length must be >= 0, got ",
              options.max_length);
  EMBER_CHECK(!options.add_bos_eos || options.max_length == 0 || options.max_length >= 2,
              "LabelledTextDataset: max_length ", options.max_length,
              " leaves no room for <bos> and <eos>");
  EMBER_CHECK(!options.add_bos_eos || (vocab.bos_id() >= 0 && vocab.eos_id() >= 0),
              "LabelledTextDataset: add_bos_eos needs <bos> and <eos> in the vocabulary");
  pad_value_ = vocab.pad_id() >= 0 ? vocab.pad_id() : 0;
  CorpusReader reader(path);
  std::vector<std::string> names;  // in order of first appearance
  StringIndex name_index;
  std::string_view line, label;
  std::vector<std::string_view> tokens;
  offsets_.push_back(0);
  while (reader.next_line(line)) {
    if (!parse_line(line, options, reader, label, tokens)) continue;
    int64_t name = name_index.find(label, names);
    if (name == StringIndex::kNone) {
      names.emplace_back(label);
      name = int64_t(names.size()) - 1;
      name_index.insert(name, names);
    }
    labels_.push_back(name);
    for (int64_t id : encode_text(tokens, vocab, options)) ids_.push_back(int32_t(id));
    offsets_.push_back(int64_t(ids_.size()));
  }
  reader.warn_summary();
  // Label ids in sorted name order.
  std::vector<int64_t> order(names.size());
  std::iota(order.begin(), order.end(), int64_t(0));
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return names[size_t(a)] < names[size_t(b)]; });
  std::vector<int64_t> rank(names.size());
  for (size_t r = 0; r < order.size(); ++r) {
    rank[size_t(order[r])] = int64_t(r);
    label_names_.push_back(names[size_t(order[r])]);
  }
  for (int64_t& l : labels_) l = rank[size_t(l)];
}

std::vector<int64_t> LabelledTextDataset::lengths() const {
  std::vector<int64_t> out(labels_.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = offsets_[i + 1] - offsets_[i];
  return out;
}

Batch LabelledTextDataset::get(int64_t index) const {
  check_index(index, "LabelledTextDataset");
  const int64_t start = offsets_[size_t(index)], L = length(index);
  Tensor text = empty({L}, kInt64);
  int64_t* t = text.data<int64_t>();  // [L]
  for (int64_t i = 0; i < L; ++i) t[i] = ids_[size_t(start + i)];
  Batch example;
  example.set("text", text);
  example.set("label", scalar_tensor(double(labels_[size_t(index)]), kInt64));
  return example;
}

Batch LabelledTextDataset::get_batch(const std::vector<int64_t>& indices) const {
  const int64_t B = int64_t(indices.size());
  int64_t T = 1;
  for (int64_t index : indices) {
    check_index(index, "LabelledTextDataset");
    T = std::max(T, length(index));
  }
  Tensor text = full({B, T}, double(pad_value_), kInt64);
  Tensor lengths = empty({B}, kInt64), label = empty({B}, kInt64);
  int64_t* x = text.data<int64_t>();       // [B, T]
  int64_t* len = lengths.data<int64_t>();  // [B]
  int64_t* y = label.data<int64_t>();      // [B]
  for (int64_t b = 0; b < B; ++b) {
    const int64_t index = indices[size_t(b)], start = offsets_[size_t(index)];
    len[b] = length(index);
    y[b] = labels_[size_t(index)];
    for (int64_t i = 0; i < len[b]; ++i) x[b * T + i] = ids_[size_t(start + i)];
  }
  Batch batch;
  batch.set("text", text);
  batch.set("lengths", lengths);
  batch.set("label", label);
  return batch;
}

}  // namespace ember::data
