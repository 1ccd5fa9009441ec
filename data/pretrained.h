// Pretrained vectors for one's own models: GloVe files found by name in a local cache, and
// an nn::Embedding for a Vocabulary initialised from them — the seeds' load_glove,
// initialize_with_pretrained and PretrainedEmbeddingLoader.create_embedding_layer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ember/data/vectors.h>
#include <ember/data/vocab.h>
#include <ember/nn/embedding.h>
#include <ember/tensor/generator.h>

namespace ember::data {

struct FastTextBin;  // data/fasttext_bin.h

// The local cache of vector files: $EMBER_HOME, else $HOME/.ember.
std::string ember_home();

// Where GloVe `name` (e.g. "6B", "42B", "840B", "twitter.27B") of dimension `dim` lives:
// ember_home()/glove.<name>.<dim>d.txt. Nothing is downloaded.
std::string glove_path(const std::string& name, int64_t dim);

// Reads glove.<name>.<dim>d.txt from the cache (the first `limit` rows, 0 = all). When the
// file is missing, the error says the exact path to put it at and where it comes from.
WordVectors load_glove(const std::string& name, int64_t dim, int64_t limit = 0);

enum class OovInit {
  kNormal,  // rows of words without a vector ~ normal(0, oov_std), as the seeds do
  kMean,    // rows of words without a vector = the mean of the found rows
};

struct PretrainedOptions {
  OovInit oov = OovInit::kNormal;
  double oov_std = 0.1;
  // Also try the lowercased word when the word itself has no vector (GloVe is lowercase).
  bool lowercase_fallback = false;
  bool freeze = false;  // the table gets no gradient
  bool sparse = false;  // row-sparse gradients (EmbeddingOptions::sparse)
  int64_t max_missing_listed = 20;
};

// How many of the vocabulary's words (special tokens not counted) found a vector.
struct Coverage {
  int64_t found = 0;
  int64_t total = 0;
  int64_t found_lowercased = 0;      // of `found`, through lowercase_fallback
  std::vector<std::string> missing;  // the first max_missing_listed, in id order
  double ratio() const { return total ? double(found) / double(total) : 0.0; }
  // "pretrained coverage: 9,512/10,000 words (95.1%); missing: foo, bar, ..."
  std::string summary() const;
};

struct PretrainedEmbedding {
  std::shared_ptr<nn::Embedding> embedding;  // [vocab.size(), vectors.dim]
  Coverage coverage;
  // The ids whose row is a pretrained vector, ascending (coverage.found of them): the rows to
  // keep, e.g. models::PartiallyFrozenEmbedding's frozen_indices.
  std::vector<int64_t> found_ids;
};

// An embedding table for `vocab`: each word's row is its pretrained vector when `vectors`
// has one; the padding token's row is zero (and stays so: padding_idx is set); the unknown
// token's row is the mean of the found rows; other rows follow options.oov. Random rows
// come from `gen` (default_generator() when null), so a seed gives the same table.
PretrainedEmbedding build_pretrained_embedding(const Vocabulary& vocab, const WordVectors& vectors,
                                               const PretrainedOptions& options = {},
                                               Generator* gen = nullptr);

// The same from a fastText .bin model: a word of `vocab` has a row from the model when the
// model's vocabulary holds it or, outside it, when it has character n-grams (its vector built
// from them, as fastText builds it); only words with neither follow options.oov. `from_ngrams`,
// when given, receives how many of the found words came from n-grams alone.
PretrainedEmbedding build_pretrained_embedding(const Vocabulary& vocab, const FastTextBin& model,
                                               const PretrainedOptions& options = {},
                                               Generator* gen = nullptr,
                                               int64_t* from_ngrams = nullptr);

// The seeds' create_embedding_layer: the vectors' own rows first, then `extra_rows` rows
// ~ normal(0, oov_std) for words the file lacks.
std::shared_ptr<nn::Embedding> embedding_from_vectors(const WordVectors& vectors,
                                                      int64_t extra_rows = 0, bool freeze = false,
                                                      double oov_std = 0.1,
                                                      Generator* gen = nullptr);

}  // namespace ember::data
