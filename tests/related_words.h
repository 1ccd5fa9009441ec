// The quality check the trainer tests share on tests/data/sotu_1250.txt: pairs the addresses
// use together against pairs of words from unrelated topics, and the margin between their
// mean cosines.
#pragma once

#include <functional>

#include <ember/nn/functional/distance.h>
#include <ember/tensor/tensor.h>

namespace ember::testing {

// vector_of(word) -> [D]
inline double related_margin(const std::function<Tensor(const char*)>& vector_of) {
  auto cos = [&](const char* a, const char* b) {
    return nn::functional::cosine_similarity(vector_of(a), vector_of(b), 0).item();
  };
  const double related =
      (cos("senate", "house") + cos("british", "french") + cos("treasury", "revenue") +
       cos("war", "peace") + cos("indian", "tribes") + cos("commerce", "trade")) /
      6;
  const double unrelated =
      (cos("senate", "vessels") + cos("british", "debt") + cos("treasury", "tribes") +
       cos("war", "representatives") + cos("indian", "revenue") + cos("commerce", "militia")) /
      6;
  return related - unrelated;
}

}  // namespace ember::testing
