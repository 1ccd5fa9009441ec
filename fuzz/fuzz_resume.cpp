// Resuming training from a checkpoint (models/word_vectors_job.h, `ember train --resume`):
// the input's first byte picks the model (skip-gram, CBOW, fastText, GloVe), the rest is its
// PREFIX.ckpt.safetensors. At start-up the harness trains each model on a tiny corpus, which
// leaves the vocabulary and a real checkpoint to resume from; every input then resumes with
// those options, so the metadata's checks, the restore of the tensors into the trainer and
// the epochs left to train all run. A bad checkpoint must be an ember::Error.
//
// Its seeds are the checkpoints it makes: EMBER_FUZZ_RESUME_SEEDS=fuzz/corpus/fuzz_resume
// build/asan/fuzz/fuzz_resume -runs=0 writes them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include <ember/models/word_vectors_job.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

namespace {

const char* const kModels[] = {"skipgram", "cbow", "fasttext", "glove"};

models::WordVectorsJobOptions options_for(const std::string& model) {
  models::WordVectorsJobOptions o;
  o.model = model;
  o.input = fuzz::scratch_path("resume-corpus.txt");
  o.output = fuzz::scratch_path("resume-" + model);
  o.dim = 2;
  o.epochs = 2;
  o.window = 2;
  o.negative = 2;
  o.min_count = 1;
  o.threads = 1;
  o.bucket = 16;
  o.minn = 3;
  o.maxn = 4;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  {
    std::ofstream corpus(fuzz::scratch_path("resume-corpus.txt"));
    for (int i = 0; i < 8; ++i)
      corpus << "the cat sat on the mat\nthe dog ran to the cat and the mat\n"
                "a bird sang over the dog\n";
  }
  const char* seeds = std::getenv("EMBER_FUZZ_RESUME_SEEDS");
  for (int m = 0; m < 4; ++m) {
    const models::WordVectorsJobResult trained =
        models::train_word_vectors(options_for(kModels[m]));
    if (!seeds) continue;
    std::ifstream in(trained.checkpoint_path, std::ios::binary);
    std::ofstream out(std::string(seeds) + "/" + kModels[m], std::ios::binary);
    out.put(char(m));
    out << in.rdbuf();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  models::WordVectorsJobOptions o = options_for(kModels[data[0] % 4]);
  fuzz::write_input("resume-" + o.model + ".ckpt.safetensors", data + 1, size - 1);
  o.resume = true;
  try {
    models::train_word_vectors(o);
  } catch (const Error&) {
  }
  return 0;
}
