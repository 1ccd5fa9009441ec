#include <cmath>

#include <ember/tensor/internal/convert.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/tensor.h>

namespace ember {

Tensor empty(const Shape& sizes, TensorOptions options) {
  // The byte count is overflow-checked: sizes may come from a file or an option.
  int64_t numel = 1, bytes = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "empty: negative size in ", sizes);
    EMBER_CHECK(checked_mul(numel, s, &numel), "empty: shape ", sizes,
                " has more than 2^63 elements");
  }
  EMBER_CHECK(checked_mul(numel, int64_t(element_size(options.dtype_)), &bytes), "empty: shape ",
              sizes, " of ", element_size(options.dtype_),
              "-byte elements is more than 2^63 bytes");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(size_t(bytes), options.device_);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = options.dtype_;
  Tensor t(impl);
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor full(const Shape& sizes, double value, TensorOptions options) {
  Tensor t = empty(sizes, options.requires_grad(false));
  ops::fill_(t, value);
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor zeros(const Shape& sizes, TensorOptions options) { return full(sizes, 0.0, options); }
Tensor ones(const Shape& sizes, TensorOptions options) { return full(sizes, 1.0, options); }

static TensorOptions options_of(const Tensor& t) {
  return TensorOptions(t.dtype()).device(t.device());
}
Tensor empty_like(const Tensor& t) { return empty(t.sizes(), options_of(t)); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), options_of(t)); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), options_of(t)); }
Tensor full_like(const Tensor& t, double value) { return full(t.sizes(), value, options_of(t)); }

Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor arange(int64_t end, TensorOptions options) { return arange(0, double(end), 1, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  EMBER_CHECK(step != 0, "arange: step must be nonzero");
  EMBER_CHECK((end - start) / step >= 0, "arange: range [", start, ", ", end, ") and step ", step,
              " have inconsistent signs");
  int64_t n = int64_t(std::ceil((end - start) / step));
  Tensor t = empty({n}, options.device(Device(kCPU)).requires_grad(false));
  dispatch(t.dtype(), "arange", [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(start + double(i) * step);
  });
  t = ops::to_device(t, options.device_);
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

template <typename T>
Tensor tensor(const std::vector<T>& values, Shape sizes, TensorOptions options) {
  if (sizes.empty()) sizes = {int64_t(values.size())};
  EMBER_CHECK(shape_numel(sizes) == int64_t(values.size()), "tensor: ", values.size(),
              " values do not fill sizes ", sizes);
  Tensor host = empty(sizes, TensorOptions(dtype_of<T>));
  std::copy(values.begin(), values.end(), host.data<T>());
  Tensor t = ops::to_device(ops::to_dtype(host, options.dtype_), options.device_);
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}
template Tensor tensor(const std::vector<float>&, Shape, TensorOptions);
template Tensor tensor(const std::vector<double>&, Shape, TensorOptions);
template Tensor tensor(const std::vector<int32_t>&, Shape, TensorOptions);
template Tensor tensor(const std::vector<int64_t>&, Shape, TensorOptions);
template Tensor tensor(const std::vector<Half>&, Shape, TensorOptions);
template Tensor tensor(const std::vector<bool>&, Shape, TensorOptions);

Tensor tensor(std::initializer_list<float> values, TensorOptions options) {
  return tensor(std::vector<float>(values), {int64_t(values.size())}, options);
}
Tensor tensor(std::initializer_list<double> values, TensorOptions options) {
  return tensor(std::vector<double>(values), {int64_t(values.size())}, options);
}
Tensor tensor(std::initializer_list<int64_t> values, TensorOptions options) {
  return tensor(std::vector<int64_t>(values), {int64_t(values.size())}, options);
}
Tensor tensor(std::initializer_list<int> values, TensorOptions options) {
  return tensor(std::vector<int64_t>(values.begin(), values.end()), {int64_t(values.size())},
                options);
}

}  // namespace ember
