// The CUDA twins of tensor/ops/elementwise.cpp. Each op is a small functor with the CPU
// lambda's arithmetic, run by the one map kernel of cuda/loops.cuh (vectorised for
// contiguous operands, strided with broadcasting otherwise).
#include <cmath>
#include <limits>
#include <type_traits>

#include <ember/cuda/internal/elementwise.h>
#include <ember/cuda/loops.cuh>

namespace ember::cuda {

namespace {

// ---- unary: out[i] = f(a[i]) ----

struct Neg {
  template <typename T>
  __device__ T operator()(T x) const {
    return -x;
  }
};
struct Abs {
  template <typename T>
  __device__ T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return fabs(x);
    } else {
      return x < T(0) ? T(-x) : x;
    }
  }
};
struct Sign {
  template <typename T>
  __device__ T operator()(T x) const {
    return T((T(0) < x) - (x < T(0)));
  }
};
struct Square {
  template <typename T>
  __device__ T operator()(T x) const {
    return x * x;
  }
};
template <typename T>
struct PowScalar {
  T exponent;
  __device__ T operator()(T x) const { return pow(x, exponent); }
};
struct Exp {
  template <typename T>
  __device__ T operator()(T x) const {
    return exp(x);
  }
};
struct Log {
  template <typename T>
  __device__ T operator()(T x) const {
    return log(x);
  }
};
struct Sqrt {
  template <typename T>
  __device__ T operator()(T x) const {
    return sqrt(x);
  }
};
struct Sigmoid {
  template <typename T>
  __device__ T operator()(T x) const {
    return T(1) / (T(1) + exp(-x));
  }
};
struct Tanh {
  template <typename T>
  __device__ T operator()(T x) const {
    return tanh(x);
  }
};
struct Relu {
  template <typename T>
  __device__ T operator()(T x) const {
    return x < T(0) ? T(0) : x;
  }
};
struct Logsigmoid {  // min(x, 0) - log1p(exp(-|x|)): finite for any x
  template <typename T>
  __device__ T operator()(T x) const {
    return (x < T(0) ? x : T(0)) - log1p(exp(-fabs(x)));
  }
};
template <typename T>
struct Clamp {
  T lo, hi;
  __device__ T operator()(T x) const {
    T y = x < lo ? lo : x;
    return hi < y ? hi : y;
  }
};

// ---- binary: out[i] = f(a[i], b[i]) ----

struct Add {
  template <typename T>
  __device__ T operator()(T x, T y) const {
    return T(x + y);
  }
};
struct Sub {
  template <typename T>
  __device__ T operator()(T x, T y) const {
    return T(x - y);
  }
};
struct Mul {
  template <typename T>
  __device__ T operator()(T x, T y) const {
    return T(x * y);
  }
};
struct Div {
  template <typename T>
  __device__ T operator()(T x, T y) const {
    return T(x / y);
  }
};
struct Pow {
  template <typename T>
  __device__ T operator()(T x, T y) const {
    return pow(x, y);
  }
};
struct Eq {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x == y;
  }
};
struct Ne {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x != y;
  }
};
struct Lt {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x < y;
  }
};
struct Le {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x <= y;
  }
};
struct Gt {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x > y;
  }
};
struct Ge {
  template <typename T>
  __device__ bool operator()(T x, T y) const {
    return x >= y;
  }
};
struct SigmoidBackward {  // (grad, out)
  template <typename T>
  __device__ T operator()(T g, T y) const {
    return g * y * (T(1) - y);
  }
};
struct TanhBackward {  // (grad, out)
  template <typename T>
  __device__ T operator()(T g, T y) const {
    return g * (T(1) - y * y);
  }
};
struct ReluBackward {  // (grad, out)
  template <typename T>
  __device__ T operator()(T g, T y) const {
    return y > T(0) ? g : T(0);
  }
};
struct LogsigmoidBackward {  // (grad, a): grad * sigmoid(-a)
  template <typename T>
  __device__ T operator()(T g, T x) const {
    return g / (T(1) + exp(x));
  }
};
template <typename T>
struct ClampBackward {  // (grad, a)
  T lo, hi;
  __device__ T operator()(T g, T x) const { return lo <= x && x <= hi ? g : T(0); }
};

// a (comparison) value: C is the type value is held in (T for a float tensor, double for
// an integer one, so that a < 0.5 means a <= 0).
template <typename C, typename F>
struct CompareScalar {
  C value;
  F f;
  template <typename T>
  __device__ bool operator()(T x) const {
    return f(C(x), value);
  }
};

template <typename T>
struct Select {  // (condition, a, b)
  __device__ T operator()(bool c, T x, T y) const { return c ? x : y; }
};
template <typename T>
struct Fill {  // (a, mask)
  T value;
  __device__ T operator()(T x, bool m) const { return m ? value : x; }
};

// The smallest and largest T, infinities included: where a missing clamp bound sits.
template <typename T>
T lowest() {
  if constexpr (std::numeric_limits<T>::has_infinity) return -std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::lowest();
}
template <typename T>
T highest() {
  if constexpr (std::numeric_limits<T>::has_infinity) return std::numeric_limits<T>::infinity();
  return std::numeric_limits<T>::max();
}

// ---- the families: dtype dispatch, then one map ----

template <typename F>
Tensor unary_numeric(const Tensor& a, const char* name, F f) {
  return dispatch_numeric(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map<T, T>(a.sizes(), a.device(), f, {a});
  });
}

template <typename F>
Tensor unary_floating(const Tensor& a, const char* name, F f) {
  return dispatch_floating(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map<T, T>(a.sizes(), a.device(), f, {a});
  });
}

template <typename F>
Tensor arithmetic(const Tensor& a, const Tensor& b, const Shape& sizes, const char* name, F f) {
  return dispatch_numeric(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map<T, T, T>(sizes, a.device(), f, {a, b});
  });
}

template <typename F>
Tensor binary_floating(const Tensor& a, const Tensor& b, const Shape& sizes, const char* name,
                       F f) {
  return dispatch_floating(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map<T, T, T>(sizes, a.device(), f, {a, b});
  });
}

template <typename F>
Tensor compare_tensors(const Tensor& a, const Tensor& b, const Shape& sizes, const char* name,
                       F f) {
  return dispatch_numeric(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map<bool, T, T>(sizes, a.device(), f, {a, b});
  });
}

template <typename F>
Tensor compare_value(const Tensor& a, double value, const char* name, F f) {
  return dispatch_numeric(a.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      return map<bool, T>(a.sizes(), a.device(), CompareScalar<T, F>{T(value), f}, {a});
    } else {
      return map<bool, T>(a.sizes(), a.device(), CompareScalar<double, F>{value, f}, {a});
    }
  });
}

__global__ void any_zero_kernel(const int64_t* x, int64_t n, int* found) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    if (x[i] == 0) *found = 1;  // any writer wins; all write the same value
}

}  // namespace

Tensor unary(const Tensor& a, UnaryOp op, const char* name, double exponent) {
  switch (op) {
    case UnaryOp::kNeg:
      return unary_numeric(a, name, Neg{});
    case UnaryOp::kAbs:
      return unary_numeric(a, name, Abs{});
    case UnaryOp::kSign:
      return unary_numeric(a, name, Sign{});
    case UnaryOp::kPow:
      if (exponent == 2.0) return unary_floating(a, name, Square{});
      return dispatch_floating(a.dtype(), name, [&](auto tag) {
        using T = decltype(tag);
        return map<T, T>(a.sizes(), a.device(), PowScalar<T>{T(exponent)}, {a});
      });
    case UnaryOp::kExp:
      return unary_floating(a, name, Exp{});
    case UnaryOp::kLog:
      return unary_floating(a, name, Log{});
    case UnaryOp::kSqrt:
      return unary_floating(a, name, Sqrt{});
    case UnaryOp::kSigmoid:
      return unary_floating(a, name, Sigmoid{});
    case UnaryOp::kTanh:
      return unary_floating(a, name, Tanh{});
    case UnaryOp::kRelu:
      return unary_floating(a, name, Relu{});
    case UnaryOp::kLogsigmoid:
      return unary_floating(a, name, Logsigmoid{});
  }
  EMBER_FAIL(name, ": unknown unary op");
}

Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max) {
  return dispatch_numeric(a.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    Clamp<T> f{min ? T(*min) : lowest<T>(), max ? T(*max) : highest<T>()};
    return map<T, T>(a.sizes(), a.device(), f, {a});
  });
}

Tensor binary(const Tensor& a, const Tensor& b, const Shape& sizes, BinaryOp op, const char* name) {
  switch (op) {
    case BinaryOp::kAdd:
      return arithmetic(a, b, sizes, name, Add{});
    case BinaryOp::kSub:
      return arithmetic(a, b, sizes, name, Sub{});
    case BinaryOp::kMul:
      return arithmetic(a, b, sizes, name, Mul{});
    case BinaryOp::kDiv:
      return arithmetic(a, b, sizes, name, Div{});
    case BinaryOp::kPow:
      return binary_floating(a, b, sizes, name, Pow{});
    case BinaryOp::kEq:
      return compare_tensors(a, b, sizes, name, Eq{});
    case BinaryOp::kNe:
      return compare_tensors(a, b, sizes, name, Ne{});
    case BinaryOp::kLt:
      return compare_tensors(a, b, sizes, name, Lt{});
    case BinaryOp::kLe:
      return compare_tensors(a, b, sizes, name, Le{});
    case BinaryOp::kGt:
      return compare_tensors(a, b, sizes, name, Gt{});
    case BinaryOp::kGe:
      return compare_tensors(a, b, sizes, name, Ge{});
    case BinaryOp::kSigmoidBackward:
      return binary_floating(a, b, sizes, name, SigmoidBackward{});
    case BinaryOp::kTanhBackward:
      return binary_floating(a, b, sizes, name, TanhBackward{});
    case BinaryOp::kReluBackward:
      return binary_floating(a, b, sizes, name, ReluBackward{});
    case BinaryOp::kLogsigmoidBackward:
      return binary_floating(a, b, sizes, name, LogsigmoidBackward{});
  }
  EMBER_FAIL(name, ": unknown binary op");
}

Tensor compare(const Tensor& a, double value, BinaryOp op, const char* name) {
  switch (op) {
    case BinaryOp::kEq:
      return compare_value(a, value, name, Eq{});
    case BinaryOp::kNe:
      return compare_value(a, value, name, Ne{});
    case BinaryOp::kLt:
      return compare_value(a, value, name, Lt{});
    case BinaryOp::kLe:
      return compare_value(a, value, name, Le{});
    case BinaryOp::kGt:
      return compare_value(a, value, name, Gt{});
    case BinaryOp::kGe:
      return compare_value(a, value, name, Ge{});
    default:
      break;
  }
  EMBER_FAIL(name, ": not a comparison");
}

Tensor clamp_backward(const Tensor& grad, const Tensor& a, const Shape& sizes,
                      std::optional<double> min, std::optional<double> max) {
  return dispatch_floating(a.dtype(), "clamp_backward", [&](auto tag) {
    using T = decltype(tag);
    ClampBackward<T> f{min ? T(*min) : lowest<T>(), max ? T(*max) : highest<T>()};
    return map<T, T, T>(sizes, a.device(), f, {grad, a});
  });
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b, const Shape& sizes) {
  return dispatch_numeric(a.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    return map<T, bool, T, T>(sizes, a.device(), Select<T>{}, {condition, a, b});
  });
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  return dispatch_numeric(a.dtype(), "masked_fill", [&](auto tag) {
    using T = decltype(tag);
    return map<T, T, bool>(a.sizes(), a.device(), Fill<T>{T(value)}, {a, mask});
  });
}

bool has_zero(const Tensor& t) {
  if (t.numel() == 0) return false;
  DeviceGuard guard(t.device().index);
  Tensor values = empty(t.sizes(), TensorOptions(kInt64).device(t.device()));
  copy_strided(values, t);  // int32 or any view -> contiguous int64
  Tensor found = zeros({1}, TensorOptions(kInt32).device(t.device()));
  any_zero_kernel<<<blocks_for(values.numel()), kThreads, 0, current_stream()>>>(
      values.device_data<int64_t>(), values.numel(), found.device_data<int>());
  EMBER_CUDA_CHECK_LAUNCH();
  return found.item<int64_t>() != 0;
}

}  // namespace ember::cuda
