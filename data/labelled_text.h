// LabelledTextDataset: texts with a class label for the seeds' classifiers, read in one
// streaming pass and held as ids (4 bytes a token). Two line formats:
// - kTsv: "label<TAB>text", or more columns, the label first and the text last (as the
//   SpamAssassin e-mails of tests/data/spam_assassin_404.tsv: label, group, text);
// - kFastText: "__label__spam some words", the first token with the label prefix is the
//   label, tokens without it are the text (fastText's supervised format).
// Label names get ids in sorted order ("ham" 0, "spam" 1). Errors name the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <ember/data/dataset.h>
#include <ember/data/vocab.h>

namespace ember::data {

enum class TextFormat { kTsv, kFastText };

struct LabelledTextOptions {
  TextFormat format = TextFormat::kTsv;
  std::string label_prefix = "__label__";  // kFastText
  int64_t max_length = 0;                  // keep the first max_length ids of a text; 0: all
  bool keep_last = false;                  // keep the last max_length ids instead
  bool add_bos_eos = false;                // wrap each text in bos_id() ... eos_id()
};

// The ids of one text as LabelledTextDataset holds them: the tokens the vocabulary knows (the
// others dropped, or unk_id() where the vocabulary has one), cut to options.max_length ids
// from the start (keep_last: from the end), wrapped in <bos> ... <eos> with add_bos_eos.
std::vector<int64_t> encode_text(const std::vector<std::string_view>& tokens,
                                 const Vocabulary& vocab, const LabelledTextOptions& options);

// The ids of a line that may have no label, as a trained classifier reads it: its text after
// the last tab when it has one, else the whole line, without the tokens that start with
// options.label_prefix, through encode_text.
std::vector<int64_t> encode_unlabelled_line(std::string_view line, const Vocabulary& vocab,
                                            const LabelledTextOptions& options);

class LabelledTextDataset : public Dataset {
 public:
  // Texts are encoded with vocab.encode's rule: unknown words become unk_id(), or are
  // dropped when the vocabulary has no unknown token.
  LabelledTextDataset(const std::string& path, const Vocabulary& vocab,
                      const LabelledTextOptions& options = {});
  // A vocabulary of the texts' words only (labels are not counted), in one pass.
  static Vocabulary build_vocabulary(const std::string& path, const VocabularyOptions& vocab,
                                     const LabelledTextOptions& options = {});

  int64_t size() const override { return int64_t(labels_.size()); }
  // text [L] int64 ids, label [] int64.
  Batch get(int64_t index) const override;
  // text [B, T] int64 padded with pad_value() (T the longest in the batch), lengths [B],
  // label [B]: what nn::pack_padded_sequence or an EmbeddingBag with offsets takes.
  Batch get_batch(const std::vector<int64_t>& indices) const override;

  int64_t length(int64_t index) const {
    return offsets_[size_t(index) + 1] - offsets_[size_t(index)];
  }
  std::vector<int64_t> lengths() const;  // [N], for length_bucketed_batches
  int64_t label(int64_t index) const { return labels_[size_t(index)]; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  int64_t pad_value() const { return pad_value_; }  // the vocabulary's pad_id(), else 0

 private:
  std::vector<int32_t> ids_;      // all texts, one after another
  std::vector<int64_t> offsets_;  // [N + 1]: text i is ids_[offsets_[i], offsets_[i + 1])
  std::vector<int64_t> labels_;   // [N]
  std::vector<std::string> label_names_;
  int64_t pad_value_ = 0;
};

}  // namespace ember::data
