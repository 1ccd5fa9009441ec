// Tensor: a shared handle to a strided view of a Storage (sizes, strides, offset, dtype,
// device), plus the autograd state autograd/ fills in. Copying a Tensor copies the handle, not
// the data.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <ember/tensor/device.h>
#include <ember/tensor/dtype.h>
#include <ember/tensor/storage.h>

namespace ember {

using Shape = std::vector<int64_t>;

namespace autograd {
class Node;
}  // namespace autograd

// kStrided is the ordinary dense tensor. kRowSparse is the gradient type of a sparse
// embedding: unique, sorted int64 row ids [K] and their rows [K, D...] of a dense
// tensor of sizes [V, D...]; every other row is zero.
enum class Layout : uint8_t { kStrided, kRowSparse };

struct RowSparseParts;
struct AutogradMeta;

struct TensorImpl {
  Storage storage;
  Shape sizes;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  DType dtype = kFloat32;
  Layout layout = Layout::kStrided;
  std::shared_ptr<RowSparseParts> row_sparse;  // set when layout == kRowSparse
  std::shared_ptr<AutogradMeta> autograd;      // set once autograd touches the tensor
};

struct TensorOptions {
  DType dtype_ = kFloat32;
  Device device_;
  bool requires_grad_ = false;

  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}        // NOLINT: kInt64 reads as options
  TensorOptions(Device d) : device_(d) {}      // NOLINT
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT
  TensorOptions dtype(DType d) const {
    auto o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    auto o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r = true) const {
    auto o = *this;
    o.requires_grad_ = r;
    return o;
  }
};

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- structure (tensor/tensor.cpp) ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& sizes() const;
  int64_t size(int64_t dim) const;  // negative dims count from the end
  const Shape& strides() const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return int64_t(sizes().size()); }
  int64_t numel() const;
  int64_t offset() const { return impl().offset; }
  DType dtype() const { return impl().dtype; }
  Device device() const;
  Layout layout() const { return impl().layout; }
  bool is_row_sparse() const { return defined() && layout() == Layout::kRowSparse; }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_contiguous() const;
  const Storage& storage() const { return impl().storage; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // Pointer to element 0 of this view on the host; checks dtype and device.
  template <typename T>
  T* data() const;
  void* raw_data() const;  // element 0 of this view, any device, any dtype
  // Pointer to element 0 on whatever device the tensor lives (for kernels); checks dtype.
  template <typename T>
  T* device_data() const;

  // The value of a one-element tensor (any dtype, converted), e.g. loss.item().
  template <typename T = double>
  T item() const;
  // All elements in row-major order, converted to T (copies from the GPU if needed).
  template <typename T>
  std::vector<T> to_vector() const;

  // A view with the given geometry over the same storage; no checks beyond bounds, no
  // autograd. The building block of every view op in tensor/ops.
  Tensor as_strided(Shape sizes, Shape strides, int64_t offset) const;

  // Points this tensor (and every handle to it) at other's data, keeping its autograd
  // state: how Module::to(device) moves parameters that layers hold as members.
  void set_data(const Tensor& other) const;

  // Row-sparse parts (layout kRowSparse only).
  Tensor indices() const;
  Tensor values() const;

  std::string str() const;  // PyTorch-style repr: tensor([...], dtype=...)

  // ---- autograd state (tensor/autograd_meta.cpp) ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true);
  Tensor grad() const;  // undefined until a backward reaches this leaf
  void set_grad(const Tensor& grad) const;
  std::shared_ptr<autograd::Node> grad_fn() const;
  bool is_leaf() const;
  // The same data, cut from the graph.
  Tensor detach() const;
  // Backpropagates from this tensor (autograd/tensor_autograd.cpp). `gradient` defaults to 1
  // for a one-element tensor.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // ---- differentiable methods (nn/functional/tensor_methods.cpp) ----
  Tensor view(Shape sizes) const;
  Tensor reshape(Shape sizes) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(Shape dims) const;
  Tensor t() const;
  Tensor expand(Shape sizes) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor half() const { return to(kFloat16); }
  Tensor to_float() const { return to(kFloat32); }
  Tensor cpu() const { return to(Device(kCPU)); }
  Tensor cuda(int index = 0) const { return to(Device(kCUDA, index)); }
  Tensor to_dense() const;
  Tensor sum() const;
  Tensor sum(int64_t dim, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int64_t dim, bool keepdim = false) const;

  // ---- in place, outside autograd (nn/functional/inplace.cpp) ----
  // These refuse a tensor that requires grad while grad mode is on, as PyTorch does for
  // leaves; use them under NoGradGuard (optimizers, init).
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& copy_(const Tensor& src);                       // src broadcasts to this; dtype converts
  Tensor& add_(const Tensor& other, double alpha = 1.0);  // this += alpha * other
  Tensor& mul_(double value);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct RowSparseParts {
  Tensor indices;  // [K] int64, unique and sorted
  Tensor values;   // [K, D...]
};

// Per-tensor autograd state (autograd::Meta to autograd/). A leaf that requires grad
// accumulates into `grad`; a tensor made by a differentiable op points at the op's Node
// instead. tensor/ holds it so that a factory can make a leaf that requires grad.
struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;
};

// The AutogradMeta of a tensor, created on first use.
const std::shared_ptr<AutogradMeta>& autograd_meta(const Tensor& t);

// The name of a graph node ("MulBackward"), for printing grad_fn=<MulBackward>. tensor/ cannot
// see autograd::Node, so autograd/ sets this pointer when it is linked in, which it is
// wherever a grad_fn exists; it is null otherwise.
extern const std::string& (*grad_fn_name)(const autograd::Node& node);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- creation (tensor/factory.cpp) ----
Tensor empty(const Shape& sizes, TensorOptions options = {});
Tensor zeros(const Shape& sizes, TensorOptions options = {});
Tensor ones(const Shape& sizes, TensorOptions options = {});
Tensor full(const Shape& sizes, double value, TensorOptions options = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor scalar_tensor(double value, TensorOptions options = {});  // a 0-d tensor
Tensor arange(int64_t end, TensorOptions options = kInt64);
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = kInt64);
// From values in row-major order; `sizes` defaults to [values.size()].
template <typename T>
Tensor tensor(const std::vector<T>& values, Shape sizes = {}, TensorOptions options = dtype_of<T>);
Tensor tensor(std::initializer_list<float> values, TensorOptions options = kFloat32);
Tensor tensor(std::initializer_list<double> values, TensorOptions options);
Tensor tensor(std::initializer_list<int64_t> values, TensorOptions options = kInt64);
Tensor tensor(std::initializer_list<int> values, TensorOptions options = kInt64);  // ids: {4, 1, 4}
// A row-sparse tensor of dense sizes `sizes` from row ids [K] and rows [K, ...]; ids may
// repeat and come in any order: the result is coalesced (unique sorted ids, rows summed).
Tensor row_sparse(const Tensor& indices, const Tensor& values, Shape sizes);

// ---- the shape arithmetic every op shares (tensor/shape.cpp) ----
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);  // -1 -> ndim-1; checks range
Shape contiguous_strides(const Shape& sizes);
int64_t shape_numel(const Shape& sizes);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
std::string shape_str(const Shape& sizes);

}  // namespace ember
