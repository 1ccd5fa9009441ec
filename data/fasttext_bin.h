// fastText's native model files (.bin), read and written as fastText 0.9.2 does
// (FastText::saveModel / loadModel), so that a model from `fasttext skipgram` or `cbow` gives
// ember a vector for any word, and a model ember writes opens in fastText and gensim.
//
// The layout, all integers and floats little-endian as fastText writes them on x86:
//   int32 magic (793712314), int32 version (12)
//   Args: int32 dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn,
//         lrUpdateRate; float64 t
//   Dictionary: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size;
//               size entries "word\0" int64 count, int8 type (0 word, 1 label);
//               max(pruneidx_size, 0) pairs int32 (n-gram bucket, its row among the n-grams)
//   int8 quant_input; input matrix: int64 m, n, then m * n float32 (row-major)
//   int8 qout;        output matrix: int64 m, n, then m * n float32
//
// Quantised models (.ftz: quant_input set) are refused, naming the file. Supervised models
// are read (their word vectors are those of any model); is_supervised() says what they are.
// Files of the format before the magic number (fastText before 0.2: no magic number and
// version, no pruneidx_size, no quant flags) are read when FastTextReadOptions::old_format
// says so (nothing in them tells them from other binary files); version is then 0.
//
// Every count is checked against the bytes left in the file before anything is allocated;
// a malformed file raises ember::Error naming the file, the byte offset and the field.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ember/data/vectors.h>

namespace ember::data {

constexpr int32_t kFastTextMagic = 793712314;
constexpr int32_t kFastTextVersion = 12;

// fastText's Args as saved (the names are fastText's options; loss and model are its enums).
struct FastTextArgs {
  enum Loss : int32_t { kHs = 1, kNs = 2, kSoftmax = 3, kOva = 4 };
  enum Model : int32_t { kCbow = 1, kSkipgram = 2, kSupervised = 3 };

  int32_t dim = 100;
  int32_t ws = 5;
  int32_t epoch = 5;
  int32_t min_count = 5;
  int32_t neg = 5;
  int32_t word_ngrams = 1;
  int32_t loss = kNs;
  int32_t model = kSkipgram;
  int32_t bucket = 2000000;
  int32_t minn = 3;
  int32_t maxn = 6;
  int32_t lr_update_rate = 100;
  double t = 1e-4;
};

const char* fasttext_model_name(int32_t model);  // "cbow", "skipgram", "supervised", "?"
const char* fasttext_loss_name(int32_t loss);    // "hs", "ns", "softmax", "ova", "?"

// A dense fastText model: the options, the dictionary and both matrices.
struct FastTextBin {
  int32_t version = kFastTextVersion;  // 0: the format before the magic number
  FastTextArgs args;
  int64_t file_bytes = 0;  // the size of the file read (0 for a model built in memory)

  // The dictionary, in the file's order: the nwords words first, then the nlabels labels.
  std::vector<std::string> words;
  std::vector<int64_t> counts;
  std::vector<int8_t> types;  // 0 word, 1 label
  int32_t nwords = 0;
  int32_t nlabels = 0;
  int64_t ntokens = 0;
  // -1: not pruned. Else the number of n-gram buckets kept, and prune_pairs maps a bucket
  // to its row after the words (fastText's pruneidx_, kept in the file's order).
  int64_t pruneidx_size = -1;
  std::vector<std::pair<int32_t, int32_t>> prune_pairs;

  int64_t input_rows = 0;     // nwords + bucket (or + pruneidx_size when pruned)
  std::vector<float> input;   // [input_rows, dim]
  uint8_t qout = 0;           // fastText's qout flag, kept as read (it matters for .ftz only)
  int64_t output_rows = 0;    // nwords (or nlabels for a supervised model)
  std::vector<float> output;  // [output_rows, dim]

  int64_t dim() const { return args.dim; }
  bool is_supervised() const { return args.model == FastTextArgs::kSupervised; }
  // The maxn the n-grams use: args.maxn, except 0 for a supervised model of version 11
  // (fastText's loadModel: those had no character n-grams, whatever args.maxn says).
  int32_t ngram_maxn() const { return version == 11 && is_supervised() ? 0 : args.maxn; }

  // The dictionary id of `word` (word or label), or -1.
  int64_t find(std::string_view word) const;
  // fastText's Dictionary::getSubwords(word): for a dictionary entry its id then its n-gram
  // rows (none for "</s>"); for another word its n-gram rows only. An n-gram whose bucket a
  // pruned model dropped contributes no row.
  std::vector<int32_t> subwords(std::string_view word) const;
  // fastText's getWordVector: the mean of the subwords' input rows, summed in float in
  // order and scaled by float(1.0 / count); zero when there are none. out has dim() floats.
  void word_vector(std::string_view word, float* out) const;
  std::vector<float> word_vector(std::string_view word) const;
  // The vector of each dictionary word (not the labels), in the dictionary's order: what
  // fastText writes to its .vec file.
  WordVectors word_vectors() const;

  // (Re)builds the word -> id map and the dictionary entries' n-gram rows after the fields
  // above changed; checks that they agree (sizes, ids within the input matrix). input and
  // output may both be empty for a model whose matrices live elsewhere (input_rows and
  // output_rows still set).
  void build_index(const std::string& where = "fastText model");

  std::unordered_map<std::string, int32_t> index;
  std::unordered_map<int32_t, int32_t> prune_map;  // prune_pairs as a map (when pruned)
  std::vector<int64_t> subword_offsets;            // [size + 1]: entry i's rows are
  std::vector<int32_t> subword_ids;                // subword_ids[offsets[i] .. offsets[i + 1])
};

// One paragraph on what the model is: its kind and loss, dim, n-gram lengths and buckets,
// words and labels; for a supervised model, that ember reads its word vectors only.
std::string fasttext_summary(const FastTextBin& model);

// True when the file starts with fastText's magic number (a regular file of 8 bytes or more).
bool is_fasttext_bin(const std::string& path);

struct FastTextReadOptions {
  // A file without the magic number is read as the format before it (fastText before 0.2).
  bool old_format = false;
};

// Reads a dense fastText model; see the top of this file for what is refused.
FastTextBin read_fasttext_bin(const std::string& path, const FastTextReadOptions& options = {});

// Writes the model in fastText 0.9.2's layout, atomically (path.tmp, fsync, rename). A model
// read and written back is byte-identical to the file it came from; one of the format before
// the magic number is written in the current format (version 12), as fastText would.
void write_fasttext_bin(const std::string& path, const FastTextBin& model);
// The same for a model whose matrices live elsewhere (model.input and model.output empty,
// input_rows and output_rows set): row r of each is the dim floats at input_row(r) and
// output_row(r). `ember train fasttext` writes from its padded tables so, with no dense copy.
using FastTextRow = std::function<const float*(int64_t r)>;
void write_fasttext_bin(const std::string& path, const FastTextBin& model,
                        const FastTextRow& input_row, const FastTextRow& output_row);

}  // namespace ember::data
