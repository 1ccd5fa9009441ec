// A whole word-vector training run, as `ember train` does it: the vocabulary built from the
// corpus (or, on resume, the checkpoint's), the corpus encoded, the fused trainer of the
// model (Word2VecTrainer for skipgram and cbow, FastTextTrainer, GloVeTrainer over the
// co-occurrences) run with a checkpoint after every epoch, and the vectors written as
// PREFIX.vec (word2vec/fastText text) and PREFIX.bin: word2vec binary for skipgram, cbow and
// glove; for fasttext, fastText's convention, the whole model in fastText 0.9.2's .bin format
// (data/fasttext_bin.h), which fastText and gensim open and which gives any word's vector.
//
//   models::WordVectorsJobOptions options;
//   options.model = "skipgram";
//   options.input = "corpus.txt.gz";
//   options.output = "out/sg";
//   models::WordVectorsJobResult result = models::train_word_vectors(options);
//
// Files: PREFIX.ckpt.safetensors (the trainer's tensors, with the options and the epochs done
// as metadata) and PREFIX.vocab after every epoch, written atomically; resume continues from
// them when the options are the same. Nothing here prints: notes and progress go to hooks
// (in a distributed run, rank 0's alone).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <ember/models/distributed.h>
#include <ember/models/train_progress.h>
#include <ember/tensor/device.h>

namespace ember::models {

// What a model uses where the options leave a field unset: word2vec's defaults for skipgram
// and cbow, fastText's for fasttext, GloVe's for glove. One row each.
struct WordVectorsDefaults {
  const char* model;
  int64_t dim, window, epochs;
  double sample, lr;  // glove: lr is AdaGrad's eta
};

// The table, in the order skipgram, cbow, glove, fasttext.
const std::vector<WordVectorsDefaults>& word_vectors_defaults_table();
// The row of `model`; an unknown model is an error that names it.
const WordVectorsDefaults& word_vectors_defaults(const std::string& model);

struct WordVectorsJobOptions {
  std::string model;   // skipgram, cbow, glove or fasttext
  std::string input;   // whitespace tokens, one sentence a line, plain or .gz
  std::string output;  // PREFIX of the files written; its directory is created
  // Unset: the model's row of the defaults table.
  std::optional<int64_t> dim, window, epochs;
  std::optional<double> sample, lr;
  int64_t negative = 5, min_count = 5;
  int64_t max_vocab = 0;      // keep at most this many words; 0: all
  double min_lr_ratio = 0.2;  // skipgram/cbow: the lr falls linearly to lr * min_lr_ratio
  bool minibatch = true;      // skipgram/cbow/fasttext: *Options::minibatch
  int64_t threads = 0;        // 0: all cores
  uint64_t seed = 1;
  Device device;
  int64_t minn = 3, maxn = 6, bucket = 2000000;  // fasttext's subwords
  double x_max = 100, alpha = 0.75;              // glove's weighting
  bool resume = false;  // continue from PREFIX.ckpt.safetensors, made with the same options
  // Corpora larger than memory: > 0 writes the corpus's ids to a file (data/encoded_corpus_file.h)
  // and trains from it through buffers of at most this many bytes in all, instead of holding
  // them (about 4 bytes a kept word): peak memory is then the tables and this. The vectors are
  // the same to the bit, and a checkpoint resumes either way. skipgram, cbow and fasttext on
  // the CPU (glove streams its co-occurrences already). Never automatic.
  int64_t corpus_budget = 0;
  // With corpus_budget: the file the ids go to, which stays after the run (one per rank,
  // FILE.rankR, with several); "": a temporary directory beside `output`, removed after it.
  std::string ids_file;
  // Several processes (mpirun): each reads the corpus and trains its shard, the ranks sync
  // their tables (models/distributed.h); rank 0 alone writes the files, which every rank
  // reads on resume (PREFIX on a file system all ranks see). CPU trainers only.
  Distributed distributed;

  // These options with every unset field filled in, checked (errors name the field).
  WordVectorsJobOptions resolved() const;
  // "model=skipgram dim=100 ...": what the checkpoint records and resume compares.
  std::string describe() const;
};

struct WordVectorsJobHooks {
  // A line worth telling: what was read, resuming, the co-occurrences counted.
  std::function<void(const std::string&)> note;
  ProgressCallback progress;  // the trainer's
};

struct WordVectorsJobResult {
  WordVectorsJobOptions options;  // resolved
  int64_t corpus_tokens = 0;      // raw tokens of the corpus
  int64_t epochs_trained = 0;     // this run's (fewer on resume)
  double train_seconds = 0;       // the trainer's run
  std::string unit;               // "words" (word2vec, fastText) or "records" (GloVe)
  double units = 0;               // how many the trainer went through
  std::string vec_path, bin_path, checkpoint_path, vocab_path;
};

WordVectorsJobResult train_word_vectors(const WordVectorsJobOptions& options,
                                        const WordVectorsJobHooks& hooks = {});

}  // namespace ember::models
