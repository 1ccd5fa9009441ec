#include <ember/tensor/ops/copy.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <ember/config.h>
#include <ember/tensor/internal/convert.h>
#include <ember/tensor/ops/internal/loops.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/runtime.h>
#endif

namespace ember::ops {

void copy_(const Tensor& dst, const Tensor& src) {
  EMBER_CHECK(!dst.is_row_sparse() && !src.is_row_sparse(),
              "copy_: row-sparse tensors cannot be copied elementwise; use .to_dense()");
  EMBER_CHECK(broadcast_shapes(src.sizes(), dst.sizes(), "copy_") == dst.sizes(), "copy_: source ",
              src.sizes(), " does not broadcast to destination ", dst.sizes());
  if (dst.device() != src.device()) {
    Tensor staged = to_device(contiguous(src), dst.device());
    copy_(dst, staged);
    return;
  }
  const bool plain = dst.dtype() == src.dtype() && dst.sizes() == src.sizes() &&
                     dst.is_contiguous() && src.is_contiguous();
  if (dst.is_cuda()) {
#if EMBER_WITH_CUDA
    if (plain) {
      cuda::memcpy(dst.raw_data(), dst.device(), src.raw_data(), src.device(),
                   size_t(dst.numel()) * element_size(dst.dtype()));
    } else {
      cuda::copy_strided(dst, src);
    }
    return;
#endif
  }
  if (plain) {
    if (dst.numel() > 0 && dst.raw_data() != src.raw_data())
      std::memcpy(dst.raw_data(), src.raw_data(), size_t(dst.numel()) * element_size(dst.dtype()));
    return;
  }
  dispatch(dst.dtype(), "copy_", [&](auto dst_tag) {
    using D = decltype(dst_tag);
    dispatch(src.dtype(), "copy_", [&](auto src_tag) {
      using S = decltype(src_tag);
      D* out = static_cast<D*>(dst.storage().data());
      const S* in = static_cast<const S*>(src.storage().data());
      for_each_row<2>(dst.sizes(), {dst.strides(), broadcast_strides(src, dst.sizes())},
                      {dst.offset(), src.offset()},
                      [&](std::array<int64_t, 2> at, int64_t n, std::array<int64_t, 2> step) {
                        for (int64_t i = 0; i < n; ++i)
                          out[at[0] + i * step[0]] = convert<D>(in[at[1] + i * step[1]]);
                      });
    });
  });
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor clone(const Tensor& t) {
  if (t.is_row_sparse()) return row_sparse(clone(t.indices()), clone(t.values()), t.sizes());
  Tensor out = empty(t.sizes(), TensorOptions(t.dtype()).device(t.device()));
  copy_(out, t);
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  if (t.is_row_sparse()) return row_sparse(t.indices(), to_dtype(t.values(), dtype), t.sizes());
  Tensor out = empty(t.sizes(), TensorOptions(dtype).device(t.device()));
  copy_(out, t);
  return out;
}

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  if (t.is_row_sparse())
    return row_sparse(to_device(t.indices(), device), to_device(t.values(), device), t.sizes());
#if EMBER_WITH_CUDA
  Tensor src = contiguous(t);
  Tensor out = empty(t.sizes(), TensorOptions(t.dtype()).device(device));
  cuda::memcpy(out.raw_data(), out.device(), src.raw_data(), src.device(),
               size_t(src.numel()) * element_size(src.dtype()));
  return out;
#else
  EMBER_FAIL("to(", device, "): this ember was built without CUDA (EMBER_CUDA=OFF)");
#endif
}

void fill_(const Tensor& t, double value) {
  EMBER_CHECK(!t.is_row_sparse(), "fill_: not defined for a row-sparse tensor");
#if EMBER_WITH_CUDA
  if (t.is_cuda()) {
    cuda::fill(t, value);
    return;
  }
#endif
  dispatch(t.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    T v = convert<T>(value);
    T* p = static_cast<T*>(t.storage().data());
    for_each_row<1>(t.sizes(), {t.strides()}, {t.offset()},
                    [&](std::array<int64_t, 1> at, int64_t n, std::array<int64_t, 1> step) {
                      for (int64_t i = 0; i < n; ++i) p[at[0] + i * step[0]] = v;
                    });
  });
}

// ---- views ----

// Fills in a -1 size from the element count.
static Shape infer_size(Shape sizes, int64_t numel, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == -1) {
      EMBER_CHECK(infer < 0, op, ": only one dimension can be -1, got ", sizes);
      infer = int64_t(d);
    } else {
      EMBER_CHECK(sizes[d] >= 0, op, ": invalid size ", sizes);
      EMBER_CHECK(checked_mul(known, sizes[d], &known), op, ": shape ", sizes,
                  " has more than 2^63 elements");
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && numel % known == 0, op, ": shape ", sizes,
                " is invalid for input of size ", numel);
    sizes[infer] = numel / known;
  }
  EMBER_CHECK(shape_numel(sizes) == numel, op, ": shape ", sizes, " is invalid for input of size ",
              numel);
  return sizes;
}

// Strides for viewing `t` as `sizes` without a copy, or empty when impossible (PyTorch's
// computeStride: each run of old dims that is contiguous in memory can be re-split).
static std::optional<Shape> view_strides(const Tensor& t, const Shape& sizes) {
  if (t.numel() == 0 || t.dim() == 0) return contiguous_strides(sizes);
  const Shape& old_sizes = t.sizes();
  const Shape& old_strides = t.strides();
  Shape new_strides(sizes.size());
  int64_t view_d = int64_t(sizes.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 ||
        (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

Tensor view(const Tensor& t, Shape sizes) {
  sizes = infer_size(std::move(sizes), t.numel(), "view");
  auto strides = view_strides(t, sizes);
  EMBER_CHECK(strides, "view: sizes ", sizes, " are not compatible with the input's sizes ",
              t.sizes(), " and strides ", t.strides(), "; use reshape (which copies)");
  return t.as_strided(sizes, *strides, t.offset());
}

Tensor reshape(const Tensor& t, Shape sizes) {
  sizes = infer_size(std::move(sizes), t.numel(), "reshape");
  if (auto strides = view_strides(t, sizes)) return t.as_strided(sizes, *strides, t.offset());
  return view(clone(t), sizes);
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  Shape dims(t.dim());
  for (int64_t d = 0; d < t.dim(); ++d) dims[d] = d;
  if (t.dim() == 0) return t;
  std::swap(dims[wrap_dim(dim0, t.dim(), "transpose")], dims[wrap_dim(dim1, t.dim(), "transpose")]);
  return permute(t, dims);
}

Tensor permute(const Tensor& t, const Shape& dims) {
  EMBER_CHECK(int64_t(dims.size()) == t.dim(), "permute: ", dims.size(),
              " dims given for a tensor with ", t.dim(), " dims");
  Shape sizes(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], t.dim(), "permute");
    EMBER_CHECK(!seen[d], "permute: dim ", d, " repeated in ", dims);
    seen[d] = true;
    sizes[i] = t.size(d);
    strides[i] = t.stride(d);
  }
  return t.as_strided(sizes, strides, t.offset());
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  dim = wrap_dim(dim, t.dim() + 1, "unsqueeze");
  Shape sizes = t.sizes(), strides = t.strides();
  int64_t stride = dim < t.dim() ? t.stride(dim) * t.size(dim) : 1;
  sizes.insert(sizes.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return t.as_strided(sizes, strides, t.offset());
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  if (t.dim() == 0) return t;
  dim = wrap_dim(dim, t.dim(), "squeeze");
  if (t.size(dim) != 1) return t;
  Shape sizes = t.sizes(), strides = t.strides();
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return t.as_strided(sizes, strides, t.offset());
}

Tensor expand(const Tensor& t, Shape sizes) {
  EMBER_CHECK(int64_t(sizes.size()) >= t.dim(), "expand: cannot expand ", t.sizes(), " to ", sizes,
              " (fewer dims)");
  Shape strides(sizes.size());
  int64_t lead = int64_t(sizes.size()) - t.dim();
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    if (d < lead) {
      EMBER_CHECK(sizes[d] >= 0, "expand: size -1 not allowed in a new leading dim: ", sizes);
      strides[d] = 0;
      continue;
    }
    int64_t have = t.size(d - lead);
    if (sizes[d] == -1) sizes[d] = have;
    EMBER_CHECK(have == sizes[d] || have == 1, "expand: cannot expand ", t.sizes(), " to ", sizes,
                " (dim ", d, ": ", have, " vs ", sizes[d], ")");
    strides[d] = have == sizes[d] ? t.stride(d - lead) : 0;
  }
  return t.as_strided(sizes, strides, t.offset());
}

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  dim = wrap_dim(dim, t.dim(), "slice");
  EMBER_CHECK(t.dim() > 0, "slice: cannot slice a 0-d tensor");
  EMBER_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = t.size(dim);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape sizes = t.sizes(), strides = t.strides();
  sizes[dim] = (end - start + step - 1) / step;
  strides[dim] *= step;
  return t.as_strided(sizes, strides, t.offset() + start * t.stride(dim));
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  EMBER_CHECK(t.dim() > 0, "select: cannot select from a 0-d tensor");
  dim = wrap_dim(dim, t.dim(), "select");
  int64_t n = t.size(dim);
  EMBER_CHECK(index >= -n && index < n, "select: index ", index, " out of range for dim ", dim,
              " of size ", n);
  if (index < 0) index += n;
  Shape sizes = t.sizes(), strides = t.strides();
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  return t.as_strided(sizes, strides, t.offset() + index * t.stride(dim));
}

}  // namespace ember::ops
