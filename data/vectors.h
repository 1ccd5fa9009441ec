// Word vector files: word2vec text and binary, GloVe text, fastText .vec, read and written.
//
//   word2vec text (and fastText .vec):  "N D\n" then N lines "word v1 ... vD\n"
//   word2vec binary:                    "N D\n" then N times "word " + D little-endian float32
//                                       (4 * D bytes) + "\n"
//   GloVe text:                         as word2vec text without the header line
//   fastText .bin model (read only):    the whole model (data/fasttext_bin.h); its vector
//                                       table is the dictionary words' vectors, each the mean
//                                       of its word row and n-gram rows (what fastText writes
//                                       to its .vec)
//
// Reading maps the file and parses the rows in parallel; a number is read as Python's
// float() then numpy's float32 cast read it (the correctly rounded double, then float), so
// the matrix equals gensim's KeyedVectors.load_word2vec_format bit for bit. A malformed file
// raises ember::Error naming the file and the line (or, in a binary file, the row and word)
// at fault, and nothing is returned. A word that repeats keeps its first row (as gensim).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember::data {

// kFastTextOld: a fastText model of the format before the magic number (fastText before
// 0.2), read only when named: nothing in such a file tells it from other binary files.
enum class VectorFormat {
  kAuto,
  kWord2VecText,
  kWord2VecBinary,
  kGloVe,
  kVec,
  kFastTextBin,
  kFastTextOld
};

// "auto", "w2v-text", "w2v-bin", "glove", "vec", "fasttext-bin", "fasttext-old" (also
// "text", "bin", "binary", "word2vec").
VectorFormat parse_vector_format(std::string_view name);
const char* vector_format_name(VectorFormat format);  // the first spellings above

// N words, each with a row of the [N, D] matrix `values` (row-major, float32).
struct WordVectors {
  std::vector<std::string> words;
  std::vector<float> values;  // [N, D]
  int64_t dim = 0;

  // From parts: checks values.size() == words.size() * dim and that no word repeats.
  static WordVectors from_rows(std::vector<std::string> words, std::vector<float> values,
                               int64_t dim);

  int64_t size() const { return int64_t(words.size()); }
  // The row of `word`, or -1.
  int64_t find(const std::string& word) const;
  const float* row(int64_t i) const { return values.data() + i * dim; }
  // A [N, D] float32 copy, e.g. for nn::Embedding::from_pretrained.
  Tensor to_tensor() const;
  // (Re)builds the word -> row map after `words` changed.
  void build_index();

  std::unordered_map<std::string, int64_t> index;  // word -> row
};

struct VectorReadOptions {
  VectorFormat format = VectorFormat::kAuto;  // kAuto: detect_vector_format
  int64_t limit = 0;                          // read the first `limit` rows only; 0 = all
  // A nan or inf value (or one beyond float's range, as 1e39) is an error naming the file
  // and line, unless this is set.
  bool allow_non_finite = false;
};

// What reading found, beyond the vectors.
struct VectorFileInfo {
  VectorFormat format = VectorFormat::kAuto;  // as detected (or as told)
  int64_t rows_in_file = 0;  // the header's count (word2vec) or the rows present (GloVe)
  int64_t rows_read = 0;     // rows parsed (limit applied), duplicates included
  int64_t duplicates = 0;    // rows dropped because their word came earlier
  std::string first_duplicate;
  int64_t file_bytes = 0;
  bool bom = false;  // the file starts with a UTF-8 byte order mark (skipped)
  // A fastText model: what it is (model, loss, n-grams, labels); empty for vector files.
  std::string model_summary;
};

WordVectors read_vectors(const std::string& path, const VectorReadOptions& options = {},
                         VectorFileInfo* info = nullptr);

// A file starting with fastText's magic number is a fastText model. Else looks at the first
// line and the bytes after it: "N D" then raw bytes is word2vec binary, "N D" then numbers
// is word2vec text, a first line of more than two fields (or "word x") is GloVe. Never
// returns kAuto or kVec. A first line that is not text (control bytes,
// invalid UTF-8) is an error: the format could not be recognised. A UTF-8 byte order mark
// is skipped. Only regular files are opened (a FIFO or directory is an error, not a hang).
VectorFormat detect_vector_format(const std::string& path);

struct VectorWriteOptions {
  // Digits after the point in text formats; -1 writes the shortest text that reads back
  // as the same float (numpy's repr, as gensim writes), so text round trips are exact.
  int precision = -1;
};

// Writes atomically (path.tmp, fsync, rename); kAuto picks the format from the extension
// (.bin: w2v-bin, .vec: vec, .txt with "glove" in the name: glove, else w2v-text).
// kFastTextBin is refused: a fastText model needs its n-gram rows, which a vector table does
// not have (write_fasttext_bin in data/fasttext_bin.h writes models).
void write_vectors(const std::string& path, const WordVectors& vectors, VectorFormat format,
                   const VectorWriteOptions& options = {});

}  // namespace ember::data
