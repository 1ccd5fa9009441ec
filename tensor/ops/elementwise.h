// Elementwise CPU kernels (no autograd): each returns a fresh contiguous tensor. Binary and
// ternary ops broadcast as NumPy does: out has broadcast_shapes(a, b), and an operand of size
// 1 (or missing) on a dim is repeated along it. Binary operands need equal dtypes.
//   float math (exp, log, ..., pow): float32, float64
//   arithmetic, abs, sign, clamp, where, masked_fill, comparisons: float32/64, int32/64
// float16 is storage only: these raise an error that says to convert first.
#pragma once

#include <ember/tensor/tensor.h>

#include <optional>

namespace ember::ops {

// A 0-d tensor of `like`'s dtype and device holding `value`: the form a double operand takes.
// For an integer tensor the value must be a whole number (2.5 would silently become 2).
Tensor scalar_like(const Tensor& like, double value, const char* op);

// out = a (op) b, broadcast. Integer division truncates toward zero; dividing by 0 raises.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& exponent);  // floating

// out = f(a), a's shape.
Tensor neg(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor sign(const Tensor& a);  // -1, 0 or 1
Tensor pow(const Tensor& a, double exponent);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);
// min(a, 0) - log1p(exp(-|a|)): finite for any a. For float32 on the CPU, exp and log1p are
// polynomials (tensor/ops/internal/vector_math.h), within 3 ulp; float64 calls libm, the GPU
// CUDA's math functions.
Tensor logsigmoid(const Tensor& a);
// At least one bound; NaN stays NaN.
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);

// out = condition ? a : b, all three broadcast; condition is bool.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
// out = mask ? value : a, a's shape; mask is bool and broadcasts to a.
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);

// Comparisons give bool tensors of the broadcast shape.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
// Against a double: a float tensor compares with value rounded to its dtype (as PyTorch's
// wrapped scalars do), an integer tensor compares exactly (a < 0.5 is a <= 0).
Tensor eq(const Tensor& a, double value);
Tensor ne(const Tensor& a, double value);
Tensor lt(const Tensor& a, double value);
Tensor le(const Tensor& a, double value);
Tensor gt(const Tensor& a, double value);
Tensor ge(const Tensor& a, double value);

// Fused backward formulas, all "=" into a fresh tensor of grad's shape (== the input's).
Tensor sigmoid_backward(const Tensor& grad, const Tensor& out);   // grad * out * (1 - out)
Tensor tanh_backward(const Tensor& grad, const Tensor& out);      // grad * (1 - out^2)
Tensor relu_backward(const Tensor& grad, const Tensor& out);      // out > 0 ? grad : 0
Tensor logsigmoid_backward(const Tensor& grad, const Tensor& a);  // grad * sigmoid(-a)
// min <= a <= max ? grad : 0 (a missing bound always passes).
Tensor clamp_backward(const Tensor& grad, const Tensor& a, std::optional<double> min,
                      std::optional<double> max);

}  // namespace ember::ops
