#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/index.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/reduce.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/index.h>
#endif

namespace ember::ops {

namespace {

// The position of element `flat` of an index of `sizes`: a number for a 1-D index,
// coordinates like [1, 2] otherwise.
std::string position_str(const Shape& sizes, int64_t flat) {
  if (sizes.size() <= 1) return std::to_string(flat);
  Shape coords(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    coords[d] = flat % sizes[d];
    flat /= sizes[d];
  }
  return shape_str(coords);
}

// Every id in [0, size); else an Error naming the first bad id and where it is.
template <typename I>
void check_ids(const I* ids, const Shape& index_sizes, int64_t size, const char* op,
               const char* what, int64_t dim) {
  const int64_t p = first_out_of_range(ids, shape_numel(index_sizes), size);
  if (p < 0) return;
  if (dim >= 0)
    EMBER_FAIL(op, ": index ", int64_t(ids[p]), " at position ", position_str(index_sizes, p),
               " out of range for dim ", dim, " of size ", size);
  EMBER_FAIL(op, ": index ", int64_t(ids[p]), " at position ", position_str(index_sizes, p),
             " out of range for ", what, " ", size);
}

#if EMBER_WITH_CUDA
// check_ids for contiguous ids on a GPU: a device-side search for the first bad id, and
// only when there is one, the ids on the host for check_ids' message.
void check_ids_on_device(const Tensor& ids, int64_t size, const char* op, const char* what,
                         int64_t dim) {
  if (cuda::first_bad_index(ids, size) < 0) return;
  Tensor host = to_device(ids, Device(kCPU));
  dispatch_index(host.dtype(), op, [&](auto tag) {
    using I = decltype(tag);
    check_ids(host.data<I>(), host.sizes(), size, op, what, dim);
  });
}
#endif

void check_index_tensor(const Tensor& a, const Tensor& index, const char* op) {
  check_defined(a, op);
  check_defined(index, op);
  check_strided(a, op);
  check_strided(index, op);
  check_same_device(a, index, op);
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
              ": indices must be int64 or int32, got ", index.dtype());
}

// Product of sizes[begin, end).
int64_t prod(const Shape& sizes, int64_t begin, int64_t end) {
  int64_t n = 1;
  for (int64_t d = begin; d < end; ++d) n *= sizes[d];
  return n;
}

// gather and scatter_add walk the index in lines along `dim`: every line fixes all other
// coordinates, so lines touch disjoint outputs and run in parallel deterministically.
// line(bases) gets each operand's offset at the line's start (coordinate 0 along dim).
template <size_t N, typename Line>
void for_each_line(const Shape& sizes, int64_t dim, const std::array<Shape, N>& strides,
                   Line&& line) {
  const int64_t ndim = int64_t(sizes.size());
  const int64_t length = sizes[dim];
  const int64_t lines = shape_numel(sizes) / std::max<int64_t>(length, 1);
  if (shape_numel(sizes) == 0) return;
  parallel_for(lines, std::max<int64_t>(1, 16384 / length), [&](int64_t begin, int64_t end) {
    for (int64_t l = begin; l < end; ++l) {
      std::array<int64_t, N> bases{};
      int64_t rest = l;
      for (int64_t d = ndim - 1; d >= 0; --d) {
        if (d == dim) continue;
        const int64_t coord = rest % sizes[d];
        rest /= sizes[d];
        for (size_t k = 0; k < N; ++k) bases[k] += coord * strides[k][d];
      }
      line(bases);
    }
  });
}

// gather/scatter_add shape rules: same number of dims; index no larger than `other` in any
// dim except `dim` (and no larger than src anywhere, for scatter).
void check_same_dims(const Tensor& a, const Tensor& index, const char* op) {
  EMBER_CHECK(index.dim() == a.dim(), op, ": index ", index.sizes(),
              " needs as many dims as input ", a.sizes());
}

}  // namespace

// a is [outer, V, inner] around dim; index is [N]; out is [outer, N, inner].
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  check_index_tensor(a, index, "index_select");
  EMBER_CHECK(a.dim() >= 1, "index_select: input must have at least 1 dim, got a 0-d tensor");
  EMBER_CHECK(index.dim() <= 1, "index_select: index must be 1-D, got ", index.sizes());
  dim = wrap_dim(dim, a.dim(), "index_select");
  Tensor ids = contiguous(index);
  Tensor table = contiguous(a);
  const int64_t n = ids.numel(), size = a.size(dim);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    check_ids_on_device(ids, size, "index_select", "", dim);
    return cuda::index_select(table, dim, ids.dim() == 0 ? reshape(ids, {1}) : ids);
  }
#endif
  Shape out_sizes = a.sizes();
  out_sizes[dim] = n;
  Tensor out = empty(out_sizes, a.dtype());
  const int64_t outer = prod(a.sizes(), 0, dim), inner = prod(a.sizes(), dim + 1, a.dim());
  const size_t row_bytes = size_t(inner) * element_size(a.dtype());
  dispatch_index(ids.dtype(), "index_select", [&](auto tag) {
    using I = decltype(tag);
    const I* id = ids.data<I>();
    check_ids(id, {n}, size, "index_select", "", dim);
    if (out.numel() == 0) return;
    const char* from = static_cast<const char*>(table.raw_data());
    char* to = static_cast<char*>(out.raw_data());
    parallel_for(outer * n, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)),
                 [&](int64_t begin, int64_t end) {
                   for (int64_t r = begin; r < end; ++r) {
                     const int64_t o = r / n, i = r % n;
                     std::memcpy(to + r * row_bytes, from + (o * size + id[i]) * row_bytes,
                                 row_bytes);
                   }
                 });
  });
  return out;
}

// out[..., i, ...] = a[..., index[..., i, ...], ...] along dim; out has index's sizes.
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  check_index_tensor(a, index, "gather");
  if (a.dim() == 0 && index.dim() == 0) {
    wrap_dim(dim, 1, "gather");
    return reshape(gather(reshape(a, {1}), 0, reshape(index, {1})), {});
  }
  check_same_dims(a, index, "gather");
  dim = wrap_dim(dim, a.dim(), "gather");
  for (int64_t d = 0; d < a.dim(); ++d)
    EMBER_CHECK(d == dim || index.size(d) <= a.size(d), "gather: index ", index.sizes(),
                " is larger than input ", a.sizes(), " in dim ", d);
  Tensor ids = contiguous(index);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    check_ids_on_device(ids, a.size(dim), "gather", "", dim);
    return cuda::gather(a, dim, ids);
  }
#endif
  Tensor out = empty(index.sizes(), a.dtype());
  const int64_t size = a.size(dim);
  dispatch_index(ids.dtype(), "gather", [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* id = ids.data<I>();
    check_ids(id, ids.sizes(), size, "gather", "", dim);
    dispatch(a.dtype(), "gather", [&](auto tag) {
      using T = decltype(tag);
      const T* in = a.data<T>();
      T* to = out.data<T>();
      const Shape& step = out.strides();  // out and ids share contiguous strides
      const int64_t in_step = a.stride(dim), out_step = step[dim], length = ids.size(dim);
      for_each_line<2>(ids.sizes(), dim, {step, a.strides()}, [&](std::array<int64_t, 2> at) {
        for (int64_t i = 0; i < length; ++i) {
          const int64_t p = at[0] + i * out_step;
          to[p] = in[at[1] + int64_t(id[p]) * in_step];
        }
      });
    });
  });
  return out;
}

// out = a; out[..., index[..., i, ...], ...] += src[..., i, ...] along dim.
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_tensor(a, index, "scatter_add");
  check_defined(src, "scatter_add");
  check_same_dtype(a, src, "scatter_add");
  check_same_device(a, src, "scatter_add");
  if (a.dim() == 0 && index.dim() == 0 && src.dim() == 0) {
    wrap_dim(dim, 1, "scatter_add");
    return reshape(scatter_add(reshape(a, {1}), 0, reshape(index, {1}), reshape(src, {1})), {});
  }
  check_same_dims(a, index, "scatter_add");
  EMBER_CHECK(src.dim() == a.dim(), "scatter_add: src ", src.sizes(),
              " needs as many dims as input ", a.sizes());
  dim = wrap_dim(dim, a.dim(), "scatter_add");
  for (int64_t d = 0; d < a.dim(); ++d) {
    EMBER_CHECK(index.size(d) <= src.size(d), "scatter_add: index ", index.sizes(),
                " is larger than src ", src.sizes(), " in dim ", d);
    EMBER_CHECK(d == dim || index.size(d) <= a.size(d), "scatter_add: index ", index.sizes(),
                " is larger than input ", a.sizes(), " in dim ", d);
  }
  Tensor ids = contiguous(index);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    dispatch_numeric(a.dtype(), "scatter_add", [](auto) {});  // as the CPU path raises
    check_ids_on_device(ids, a.size(dim), "scatter_add", "", dim);
    return cuda::scatter_add(a, dim, ids, src);
  }
#endif
  Tensor out = clone(a);
  const int64_t size = a.size(dim);
  dispatch_index(ids.dtype(), "scatter_add", [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* id = ids.data<I>();
    check_ids(id, ids.sizes(), size, "scatter_add", "", dim);
    if (ids.numel() == 0) return;
    dispatch_numeric(a.dtype(), "scatter_add", [&](auto tag) {
      using T = decltype(tag);
      const T* from = src.data<T>();
      T* to = out.data<T>();
      const Shape step = contiguous_strides(ids.sizes());
      const int64_t src_step = src.stride(dim), out_step = out.stride(dim);
      const int64_t id_step = step[dim], length = ids.size(dim);
      for_each_line<3>(
          ids.sizes(), dim, {step, src.strides(), out.strides()}, [&](std::array<int64_t, 3> at) {
            for (int64_t i = 0; i < length; ++i)
              to[at[2] + int64_t(id[at[0] + i * id_step]) * out_step] += from[at[1] + i * src_step];
          });
    });
  });
  return out;
}

// out = a, a is [outer, V, inner] around dim; src is [outer, N, inner]; index is [N].
// Parallel over (outer, inner) columns, each taking the ids in order: deterministic.
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha) {
  check_index_tensor(a, index, "index_add");
  check_defined(src, "index_add");
  check_same_dtype(a, src, "index_add");
  check_same_device(a, src, "index_add");
  EMBER_CHECK(index.dim() <= 1, "index_add: index must be 1-D, got ", index.sizes());
  if (a.dim() == 0) {
    wrap_dim(dim, 1, "index_add");
    return reshape(index_add(reshape(a, {1}), 0, index, reshape(src, {-1}), alpha), {});
  }
  dim = wrap_dim(dim, a.dim(), "index_add");
  const int64_t n = index.numel(), size = a.size(dim);
  Shape expected = a.sizes();
  expected[dim] = n;
  EMBER_CHECK(src.sizes() == expected, "index_add: src ", src.sizes(), " should be ", expected,
              " (input ", a.sizes(), " with dim ", dim, " of size ", n, ", the number of ids)");
  Tensor ids = contiguous(index);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    dispatch_numeric(a.dtype(), "index_add", [](auto) {});  // as the CPU path raises
    check_ids_on_device(ids, size, "index_add", "", dim);
    return cuda::index_add(a, dim, ids.dim() == 0 ? reshape(ids, {1}) : ids, src, alpha);
  }
#endif
  Tensor rows = contiguous(src);
  Tensor out = clone(a);
  const int64_t outer = prod(a.sizes(), 0, dim), inner = prod(a.sizes(), dim + 1, a.dim());
  dispatch_index(ids.dtype(), "index_add", [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* id = ids.data<I>();
    check_ids(id, {n}, size, "index_add", "", dim);
    if (n == 0 || out.numel() == 0) return;
    dispatch_numeric(a.dtype(), "index_add", [&](auto tag) {
      using T = decltype(tag);
      const T* from = rows.data<T>();
      T* to = out.data<T>();
      const T scale = T(alpha);
      parallel_for(outer * inner, std::max<int64_t>(1, 16384 / n), [&](int64_t begin, int64_t end) {
        for (int64_t flat = begin; flat < end;) {
          const int64_t o = flat / inner, k0 = flat % inner;
          const int64_t k1 = std::min(inner, k0 + (end - flat));
          for (int64_t i = 0; i < n; ++i) {
            T* dst = to + (o * size + int64_t(id[i])) * inner;
            const T* row = from + (o * n + i) * inner;
            for (int64_t k = k0; k < k1; ++k) dst[k] += scale * row[k];
          }
          flat += k1 - k0;
        }
      });
    });
  });
  return out;
}

// index is [...]; out is [..., C] int64, out[..., index[...]] = 1.
Tensor one_hot(const Tensor& index, int64_t num_classes) {
  check_defined(index, "one_hot");
  check_strided(index, "one_hot");
  Tensor ids = contiguous(index);
  const int64_t count = ids.numel();
  Shape out_sizes = ids.sizes();
#if EMBER_WITH_CUDA
  if (ids.is_cuda()) {
    dispatch_index(ids.dtype(), "one_hot", [](auto) {});
    if (num_classes < 0) {
      EMBER_CHECK(count > 0, "one_hot: cannot infer the number of classes from an empty tensor; ",
                  "pass num_classes");
      num_classes = max(ids).item<int64_t>() + 1;
    }
    check_ids_on_device(ids, num_classes, "one_hot", "num_classes", -1);
    return cuda::one_hot(ids, num_classes);
  }
#endif
  return dispatch_index(ids.dtype(), "one_hot", [&](auto tag) {
    using I = decltype(tag);
    const I* id = ids.data<I>();
    if (num_classes < 0) {
      EMBER_CHECK(count > 0, "one_hot: cannot infer the number of classes from an empty tensor; ",
                  "pass num_classes");
      num_classes = int64_t(*std::max_element(id, id + count)) + 1;
    }
    check_ids(id, ids.sizes(), num_classes, "one_hot", "num_classes", -1);
    out_sizes.push_back(num_classes);
    Tensor out = zeros(out_sizes, kInt64);
    int64_t* to = out.data<int64_t>();
    for (int64_t p = 0; p < count; ++p) to[p * num_classes + int64_t(id[p])] = 1;
    return out;
  });
}

}  // namespace ember::ops
