// Analogy and word-pair files as `ember eval` reads them (eval/evaluator.h
// evaluate_analogies, evaluate_similarity), against a few fixed vectors: each file read
// case-sensitive and not, both analogy methods, both pair delimiters.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <ember/eval/evaluator.h>
#include <ember/tensor/error.h>

#include "fuzz_input.h"

using namespace ember;

namespace {

const eval::Evaluator& evaluator() {
  static const eval::Evaluator e(data::WordVectors::from_rows(
      {"king", "queen", "man", "woman", "Über", "über", "a", "b", "c", "d"},
      {1, 0,    0, 0.9f, 0.1f, 0, 0, 1, 0, 0.1f, 0.9f, 0, 0,    0,    1,
       0, 0.2f, 1, 1,    1,    0, 0, 1, 1, 1,    0,    1, 0.5f, 0.5f, 0.5f},
      3));
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::write_input("questions.txt", data, size);
  for (bool case_insensitive : {true, false}) {
    try {
      eval::AnalogyOptions options;
      options.case_insensitive = case_insensitive;
      options.method = case_insensitive ? eval::AnalogyMethod::kAdd : eval::AnalogyMethod::kMul;
      options.restrict_vocab = case_insensitive ? 0 : 5;
      const eval::AnalogyResult r = evaluator().evaluate_analogies(path, options);
      if (r.total.questions() < 0 || r.invalid_lines < 0) std::abort();
    } catch (const Error&) {
    }
    try {
      eval::SimilarityOptions options;
      options.case_insensitive = case_insensitive;
      options.delimiter = case_insensitive ? '\t' : 0;
      const eval::SimilarityResult r = evaluator().evaluate_similarity(path, options);
      if (r.pairs < 0 || std::isinf(r.pearson) || std::isinf(r.spearman)) std::abort();
    } catch (const Error&) {
    }
  }
  return 0;
}
