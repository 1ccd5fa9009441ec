// Differentiable reductions. Each backward sends the result's gradient back over the
// reduced dims: spread evenly (sum, mean), to the element that won (max, min, topk), or
// through the norm's derivative.
#include <ember/autograd/node.h>
#include <ember/nn/functional.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/inplace.h>
#include <ember/tensor/ops/reduce.h>

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

// g has the sizes of a reduction of `in` over `dims`; returns it repeated over `in` (a view).
Tensor expand_back(const Tensor& g, const Shape& in, const Shape& dims) {
  if (g.dim() == 0) return ops::expand(g, in);
  std::vector<bool> reduced = ops::reduced_dims(int64_t(in.size()), dims, "backward");
  return ops::expand(ops::reshape(g, ops::reduced_sizes(in, reduced, true)), in);
}

// max/min/topk over `dim`: g lands at the indices it came from, zeros elsewhere.
Tensor scatter_back(const Tensor& g, const Tensor& indices, const Shape& in, int64_t dim,
                    bool keepdim) {
  if (keepdim || in.empty()) return ops::scatter_into_zeros(in, dim, indices, g);
  return ops::scatter_into_zeros(in, dim, ops::unsqueeze(indices, dim), ops::unsqueeze(g, dim));
}

// The gradient of max/min over all elements: g split evenly among the elements equal to
// the result (a is [...], value and g are 0-d).
Tensor split_among_ties(const Tensor& a, const Tensor& value, const Tensor& g) {
  Tensor ties = to(eq(a, value), a.dtype());  // 1 where a is the max (min)
  return ties * (g / sum(ties));
}

}  // namespace

// Sums the dims where `a` was broadcast: the leading extra dims, and those where sizes
// has 1 and `a` does not. sum_to(a [2,3,4], [3,1]) sums dims 0 and 2.
Tensor sum_to(const Tensor& a, const Shape& sizes) {
  if (a.sizes() == sizes) return a;
  if (sizes.empty()) return sum(a);
  const int64_t lead = a.dim() - int64_t(sizes.size());
  EMBER_CHECK(lead >= 0, "sum_to: cannot sum ", a.sizes(), " down to ", sizes,
              " (more dims than the tensor)");
  Shape dims;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    int64_t want = sizes[d - lead];
    EMBER_CHECK(want == a.size(d) || want == 1, "sum_to: cannot sum ", a.sizes(), " down to ",
                sizes, " (dim ", d, ": ", a.size(d), " vs ", want, ")");
    if (want == 1 && a.size(d) != 1) dims.push_back(d);
  }
  Tensor summed = dims.empty() ? a : sum(a, dims, /*keepdim=*/true);
  return reshape(summed, sizes);
}

// ---- sum and mean: out is a's sizes less (or with 1 on) the reduced dims ----

Tensor sum(const Tensor& a) { return sum(a, {}, false); }

Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  return record(
      "SumBackward", ops::sum(a, dims, keepdim), {a},
      [in = a.sizes(), dims](const Tensor& g) { return Grads{expand_back(g, in, dims)}; });
}

Tensor mean(const Tensor& a) { return mean(a, {}, false); }

Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out = ops::mean(a, dims, keepdim);
  const int64_t count = out.numel() ? a.numel() / out.numel() : 0;
  return record("MeanBackward", out, {a}, [in = a.sizes(), dims, count](const Tensor& g) {
    Tensor scaled = ops::clone(g);
    ops::mul_(scaled, 1.0 / double(count));
    return Grads{expand_back(scaled, in, dims)};
  });
}

// ---- max and min ----

Tensor max(const Tensor& a) {
  Tensor out = ops::max(a);
  return record("MaxBackward", out, {a}, [a, value = out.detach()](const Tensor& g) {
    return Grads{split_among_ties(a, value, g)};
  });
}

Tensor min(const Tensor& a) {
  Tensor out = ops::min(a);
  return record("MinBackward", out, {a}, [a, value = out.detach()](const Tensor& g) {
    return Grads{split_among_ties(a, value, g)};
  });
}

ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim) {
  ops::ValuesIndices r = ops::max(a, dim, keepdim);
  Tensor values = record("MaxBackward", r.values, {a},
                         [in = a.sizes(), dim, keepdim, indices = r.indices](const Tensor& g) {
                           return Grads{scatter_back(g, indices, in, dim, keepdim)};
                         });
  return {values, r.indices};
}

ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim) {
  ops::ValuesIndices r = ops::min(a, dim, keepdim);
  Tensor values = record("MinBackward", r.values, {a},
                         [in = a.sizes(), dim, keepdim, indices = r.indices](const Tensor& g) {
                           return Grads{scatter_back(g, indices, in, dim, keepdim)};
                         });
  return {values, r.indices};
}

Tensor argmax(const Tensor& a) { return ops::argmax(a); }
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) { return ops::argmax(a, dim, keepdim); }

// ---- norm ----

Tensor norm(const Tensor& a, double p) { return norm(a, p, {}, false); }

Tensor norm(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out = ops::norm(a, p, dims, keepdim);
  return record("NormBackward", out, {a},
                [a, p, dims, keepdim, norm = out.detach()](const Tensor& g) {
                  return Grads{ops::norm_backward(g, a, norm, p, dims, keepdim)};
                });
}

// ---- topk: values and indices have a's sizes with k on `dim` ----

ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool sorted) {
  ops::ValuesIndices r = ops::topk(a, k, dim, largest, sorted);
  Tensor values = record("TopkBackward", r.values, {a},
                         [in = a.sizes(), dim, indices = r.indices](const Tensor& g) {
                           return Grads{ops::scatter_into_zeros(in, dim, indices, g)};
                         });
  return {values, r.indices};
}

}  // namespace ember
