#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/join.h>

namespace ember::ops {

// PyTorch's legacy rule: a 1-D empty tensor joins anything (it is left out).
static bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

// Each input is copied into its slice of out along dim: out[..., offset:offset+n_i, ...].
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  int64_t ref = -1;
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "cat: tensor ", i, " is undefined");
    check_strided(tensors[i], "cat");
    if (ref < 0 && !skipped_in_cat(tensors[i])) ref = int64_t(i);
  }
  const int64_t first_index = ref < 0 ? 0 : ref;
  const Tensor& first = tensors[first_index];
  const TensorOptions options = TensorOptions(first.dtype()).device(first.device());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.dtype() == first.dtype(), "cat: tensor ", i, " has dtype ", t.dtype(),
                " but tensor ", first_index, " has ", first.dtype(), " (convert with .to(dtype))");
    EMBER_CHECK(t.device() == first.device(), "cat: tensor ", i, " is on ", t.device(),
                " but tensor ", first_index, " is on ", first.device());
  }
  if (ref < 0) return empty({0}, options);
  EMBER_CHECK(first.dim() > 0, "cat: tensor ", ref, " is 0-d; a 0-d tensor cannot be concatenated");
  dim = wrap_dim(dim, first.dim(), "cat");
  Shape out_sizes = first.sizes();
  out_sizes[dim] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped_in_cat(t)) continue;
    bool match = t.dim() == first.dim();
    for (int64_t d = 0; match && d < t.dim(); ++d) match = d == dim || t.size(d) == first.size(d);
    EMBER_CHECK(match, "cat: sizes must match except in dim ", dim, ", but tensor ", i,
                " has sizes ", t.sizes(), " and tensor ", ref, " has ", first.sizes());
    out_sizes[dim] += t.size(dim);
  }
  Tensor out = empty(out_sizes, options);
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (skipped_in_cat(t)) continue;
    const int64_t n = t.size(dim);
    if (n > 0) copy_(slice(out, dim, offset, offset + n, 1), t);
    offset += n;
  }
  return out;
}

// Each input [S...] becomes [..., 1, ...] at dim, then cat.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "stack: tensor ", i, " is undefined");
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: all tensors need equal sizes, ",
                "but tensor ", i, " has sizes ", tensors[i].sizes(), " and tensor 0 has ",
                tensors[0].sizes());
  }
  dim = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, dim));
  return cat(parts, dim);
}

}  // namespace ember::ops
