#include <ember/tensor/tensor.h>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>

namespace ember {

TensorImpl& Tensor::impl() const {
  EMBER_CHECK(impl_, "use of an undefined tensor (default-constructed, or a missing grad)");
  return *impl_;
}

const Shape& Tensor::sizes() const { return impl().sizes; }
const Shape& Tensor::strides() const { return impl().strides; }

int64_t Tensor::size(int64_t dim) const { return sizes()[wrap_dim(dim, this->dim(), "size")]; }
int64_t Tensor::stride(int64_t dim) const {
  return strides()[wrap_dim(dim, this->dim(), "stride")];
}
Device Tensor::device() const {
  const TensorImpl& t = impl();
  return t.layout == Layout::kRowSparse ? t.row_sparse->values.device() : t.storage.device();
}

int64_t Tensor::numel() const { return shape_numel(sizes()); }

bool Tensor::is_contiguous() const {
  if (layout() != Layout::kStrided) return false;
  int64_t expected = 1;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (impl().sizes[d] == 1) continue;
    if (impl().strides[d] != expected) return false;
    expected *= impl().sizes[d];
  }
  return true;
}

void* Tensor::raw_data() const {
  EMBER_CHECK(layout() == Layout::kStrided,
              "data: a row-sparse tensor has no single buffer; use "
              ".indices()/.values() or .to_dense()");
  return static_cast<char*>(impl().storage.data()) + impl().offset * element_size(dtype());
}

template <typename T>
T* Tensor::data() const {
  EMBER_CHECK(dtype() == dtype_of<T>, "data<", dtype_name(dtype_of<T>), ">: tensor is ", dtype());
  EMBER_CHECK(device().is_cpu(), "data<", dtype_name(dtype_of<T>), ">: tensor is on ", device(),
              "; call .cpu() first");
  return static_cast<T*>(raw_data());
}

template <typename T>
T* Tensor::device_data() const {
  EMBER_CHECK(dtype() == dtype_of<T>, "device_data<", dtype_name(dtype_of<T>), ">: tensor is ",
              dtype());
  return static_cast<T*>(raw_data());
}

template <typename T>
T Tensor::item() const {
  EMBER_CHECK(numel() == 1, "item: expected a tensor with one element, got sizes ", sizes());
  Tensor host = ops::to_dtype(ops::to_device(*this, Device(kCPU)), kFloat64);
  double v = *host.data<double>();
  return T(v);
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = ops::contiguous(ops::to_dtype(ops::to_device(*this, Device(kCPU)), dtype_of<T>));
  const T* p = host.data<T>();
  return std::vector<T>(p, p + host.numel());
}

Tensor Tensor::as_strided(Shape sizes, Shape strides, int64_t offset) const {
  EMBER_CHECK(sizes.size() == strides.size(), "as_strided: ", sizes.size(), " sizes but ",
              strides.size(), " strides");
  int64_t last = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    EMBER_CHECK(sizes[d] >= 0, "as_strided: negative size in ", sizes);
    if (sizes[d] > 0) last += (sizes[d] - 1) * strides[d];
  }
  EMBER_CHECK(shape_numel(sizes) == 0 ||
                  (offset >= 0 && size_t(last + 1) * element_size(dtype()) <= storage().nbytes()),
              "as_strided: view ", sizes, " with strides ", strides, " at offset ", offset,
              " reaches past its storage");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage();
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype();
  return Tensor(impl);
}

void Tensor::set_data(const Tensor& other) const {
  TensorImpl& self = impl();
  const TensorImpl& from = other.impl();
  self.storage = from.storage;
  self.sizes = from.sizes;
  self.strides = from.strides;
  self.offset = from.offset;
  self.dtype = from.dtype;
  self.layout = from.layout;
  self.row_sparse = from.row_sparse;
}

Tensor Tensor::indices() const {
  EMBER_CHECK(is_row_sparse(), "indices: tensor is not row-sparse");
  return impl().row_sparse->indices;
}

Tensor Tensor::values() const {
  EMBER_CHECK(is_row_sparse(), "values: tensor is not row-sparse");
  return impl().row_sparse->values;
}

#define EMBER_INSTANTIATE(T)                  \
  template T* Tensor::data<T>() const;        \
  template T* Tensor::device_data<T>() const; \
  template T Tensor::item<T>() const;         \
  template std::vector<T> Tensor::to_vector<T>() const;
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
EMBER_INSTANTIATE(int32_t)
EMBER_INSTANTIATE(int64_t)
EMBER_INSTANTIATE(bool)
#undef EMBER_INSTANTIATE
template Half* Tensor::data<Half>() const;
template Half* Tensor::device_data<Half>() const;
template std::vector<Half> Tensor::to_vector<Half>() const;

}  // namespace ember
