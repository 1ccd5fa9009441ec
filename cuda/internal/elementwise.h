// The CUDA twins of tensor/ops/elementwise.cpp: the same ops, arguments already checked
// there, each returning a fresh contiguous tensor on the inputs' device. Which op runs is
// named by an enum because the CPU file (compiled without nvcc) cannot hand a device
// function over; the arithmetic of each lives in cuda/elementwise.cu.
#pragma once

#include <optional>

#include <ember/tensor/tensor.h>

namespace ember::cuda {

// float math (kPow, kExp ... kLogsigmoid): float32/64; the rest: float32/64, int32/64.
enum class UnaryOp {
  kNeg,
  kAbs,
  kSign,
  kPow,
  kExp,
  kLog,
  kSqrt,
  kSigmoid,
  kTanh,
  kRelu,
  kLogsigmoid
};
// out = f(a); `exponent` is kPow's.
Tensor unary(const Tensor& a, UnaryOp op, const char* name, double exponent = 0);
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);

// Arithmetic (kAdd..kDiv) and comparisons (kEq..kGe) take float32/64, int32/64; kPow and
// the fused backward formulas (grad, saved) take float32/64. Comparisons give bool.
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kSigmoidBackward,     // grad * out * (1 - out)
  kTanhBackward,        // grad * (1 - out^2)
  kReluBackward,        // out > 0 ? grad : 0
  kLogsigmoidBackward,  // grad / (1 + exp(a))
};
// out = f(a, b) of `sizes` (a and b broadcast to it).
Tensor binary(const Tensor& a, const Tensor& b, const Shape& sizes, BinaryOp op, const char* name);
// out = a (comparison) value, bool; a float tensor compares with value rounded to its dtype.
Tensor compare(const Tensor& a, double value, BinaryOp op, const char* name);
// out = min <= a <= max ? grad : 0, of `sizes`.
Tensor clamp_backward(const Tensor& grad, const Tensor& a, const Shape& sizes,
                      std::optional<double> min, std::optional<double> max);

// out = condition ? a : b, of `sizes`.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b, const Shape& sizes);
// out = mask ? value : a, a's sizes.
Tensor masked_fill(const Tensor& a, const Tensor& mask, double value);

// Whether an int32/int64 tensor holds a 0 (integer division checks it before dividing).
bool has_zero(const Tensor& t);

}  // namespace ember::cuda
