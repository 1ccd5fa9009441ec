// The differentiable ops: each computes its forward with the plain kernel in tensor/ops and,
// when grad mode is on and an input requires grad, records its backward formula, written
// right beside the forward in nn/functional/<family>.cpp.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <ember/tensor/tensor.h>

namespace ember {

// ---- elementwise, NumPy broadcasting (nn/functional/elementwise.cpp) ----
// Binary ops need equal dtypes; a double operand becomes a 0-d tensor of the other's dtype.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor neg(const Tensor& a);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor logsigmoid(const Tensor& a);  // log(sigmoid(a)), stable for large |a|
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);  // condition: bool
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);    // mask: bool

// Comparisons give bool tensors and no gradient.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& a, double b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, double b) { return div(a, b); }
inline Tensor operator+(double a, const Tensor& b) { return add(b, a); }
inline Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
inline Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b);
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator<(const Tensor& a, double b) { return lt(a, b); }
inline Tensor operator<=(const Tensor& a, double b) { return le(a, b); }
inline Tensor operator>(const Tensor& a, double b) { return gt(a, b); }
inline Tensor operator>=(const Tensor& a, double b) { return ge(a, b); }

// ---- reductions (nn/functional/reduce.cpp) ----
// Reducing an empty tensor: sum gives 0, mean gives nan (as PyTorch); max/min/argmax raise.
struct ValuesIndices {
  Tensor values;
  Tensor indices;  // int64
};
Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor max(const Tensor& a);  // all elements; gradient split evenly among ties
Tensor min(const Tensor& a);
ValuesIndices max(const Tensor& a, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor norm(const Tensor& a, double p = 2.0);
Tensor norm(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor argmax(const Tensor& a);  // index into the flattened tensor
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);
ValuesIndices topk(const Tensor& a, int64_t k, int64_t dim = -1, bool largest = true,
                   bool sorted = true);
// Sums a gradient down to `sizes` (the inverse of broadcasting).
Tensor sum_to(const Tensor& a, const Shape& sizes);

// ---- softmax (nn/functional/softmax.cpp) ----
Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);

// ---- matrix products (nn/functional/matmul.cpp) ----
Tensor mm(const Tensor& a, const Tensor& b);   // [M,K] x [K,N]
Tensor bmm(const Tensor& a, const Tensor& b);  // [B,M,K] x [B,K,N]
// torch.matmul: 1-D.1-D dot, 2-D mm, 1-D/2-D mixed, and batched with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- indexing and joining (nn/functional/index.cpp, nn/functional/join.cpp) ----
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
// out = a, then out[index[i][j]][j] += src[i][j] (dim 0; likewise other dims).
Tensor scatter_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src);
// out = a, then out.select(dim, index[i]) += alpha * src.select(dim, i).
Tensor index_add(const Tensor& a, int64_t dim, const Tensor& index, const Tensor& src,
                 double alpha = 1.0);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);  // int64 result

// ---- views and copies (nn/functional/view.cpp); the Tensor methods forward here ----
Tensor view(const Tensor& a, Shape sizes);     // one size may be -1; needs compatible strides
Tensor reshape(const Tensor& a, Shape sizes);  // a view when possible, else a copy
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a);
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor transpose(const Tensor& a, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& a, Shape dims);
Tensor expand(const Tensor& a, Shape sizes);  // -1 keeps a size
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor to(const Tensor& a, DType dtype);
Tensor to(const Tensor& a, Device device);

}  // namespace ember
