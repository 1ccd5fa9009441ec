#include <ember/config.h>
#include <ember/tensor/cpu.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/elementwise.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/internal/loops.h>
#include <ember/tensor/ops/internal/vector_math.h>
// Always included: the op enums name each op's CUDA twin; the calls are built with CUDA only.
#include <ember/cuda/internal/elementwise.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>

namespace ember::ops {

namespace {

// ---- the three loops every kernel below is one line of ----
// Each writes a fresh contiguous `out`; inputs are strided views read through their offsets.
// for_each_row merges contiguous dims, so the common cases reach the unit-step branches,
// which the compiler vectorises.

template <typename T>
T* first(const Tensor& t) {
  return static_cast<T*>(t.storage().data());
}

// out[i] = f(a[i]); out and a are [sizes of a].
template <typename R, typename A, typename F>
Tensor map1(const Tensor& a, F f, int64_t piece = kCheapPiece) {
  Tensor out = empty(a.sizes(), TensorOptions(dtype_of<R>).device(a.device()));
  R* o = first<R>(out);
  const A* x = first<const A>(a);
  for_each_row<2>(
      a.sizes(), {out.strides(), a.strides()}, {0, a.offset()},
      [&](std::array<int64_t, 2> at, int64_t n, std::array<int64_t, 2> step) {
        R* po = o + at[0];
        const A* pa = x + at[1];
        if (step[0] == 1 && step[1] == 1) {
          for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) po[i * step[0]] = f(pa[i * step[1]]);
        }
      },
      piece);
  return out;
}

// out[i] = f(a[i], b[i]); out is [sizes], a and b broadcast to it.
template <typename R, typename A, typename B, typename F>
Tensor map2(const Tensor& a, const Tensor& b, const Shape& sizes, F f,
            int64_t piece = kCheapPiece) {
  Tensor out = empty(sizes, TensorOptions(dtype_of<R>).device(a.device()));
  R* o = first<R>(out);
  const A* x = first<const A>(a);
  const B* y = first<const B>(b);
  for_each_row<3>(
      sizes, {out.strides(), broadcast_strides(a, sizes), broadcast_strides(b, sizes)},
      {0, a.offset(), b.offset()},
      [&](std::array<int64_t, 3> at, int64_t n, std::array<int64_t, 3> step) {
        R* po = o + at[0];
        const A* pa = x + at[1];
        const B* pb = y + at[2];
        if (step[0] == 1 && step[1] == 1 && step[2] == 1) {
          for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
        } else if (step[0] == 1 && step[1] == 1 && step[2] == 0) {  // b fixed along the row
          const B v = *pb;
          for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], v);
        } else if (step[0] == 1 && step[1] == 0 && step[2] == 1) {  // a fixed along the row
          const A v = *pa;
          for (int64_t i = 0; i < n; ++i) po[i] = f(v, pb[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) po[i * step[0]] = f(pa[i * step[1]], pb[i * step[2]]);
        }
      },
      piece);
  return out;
}

// out[i] = f(a[i], b[i], c[i]); out is [sizes], a, b and c broadcast to it.
template <typename R, typename A, typename B, typename C, typename F>
Tensor map3(const Tensor& a, const Tensor& b, const Tensor& c, const Shape& sizes, F f) {
  Tensor out = empty(sizes, TensorOptions(dtype_of<R>).device(b.device()));
  R* o = first<R>(out);
  const A* x = first<const A>(a);
  const B* y = first<const B>(b);
  const C* z = first<const C>(c);
  for_each_row<4>(sizes,
                  {out.strides(), broadcast_strides(a, sizes), broadcast_strides(b, sizes),
                   broadcast_strides(c, sizes)},
                  {0, a.offset(), b.offset(), c.offset()},
                  [&](std::array<int64_t, 4> at, int64_t n, std::array<int64_t, 4> step) {
                    R* po = o + at[0];
                    const A* pa = x + at[1];
                    const B* pb = y + at[2];
                    const C* pc = z + at[3];
                    if (step[0] == 1 && step[1] == 1 && step[2] == 1 && step[3] == 1) {
                      for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
                    } else {
                      for (int64_t i = 0; i < n; ++i)
                        po[i * step[0]] = f(pa[i * step[1]], pb[i * step[2]], pc[i * step[3]]);
                    }
                  });
  return out;
}

// ---- argument checks ----

void check_input(const Tensor& t, const char* op) {
  check_defined(t, op);
  check_strided(t, op);
}

void check_binary(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  check_same_dtype(a, b, op);
  check_same_device(a, b, op);
  check_input(a, op);
  check_input(b, op);
}

// `what` names the argument in the message: "condition" for where, "mask" for masked_fill.
void check_mask(const Tensor& mask, const Tensor& a, const char* op, const char* what) {
  check_input(mask, op);
  EMBER_CHECK(mask.dtype() == kBool, op, ": ", what, " must be a bool tensor, got ", mask.dtype());
  check_same_device(mask, a, op);
}

void check_whole(double value, DType dtype, const char* op) {
  EMBER_CHECK(!is_integral(dtype) || (std::isfinite(value) && value == std::trunc(value)), op,
              ": scalar ", value, " is not a whole number but the tensor is ", dtype,
              " (convert the tensor with .to(kFloat32))");
}

// A double bound as T: for an integer T it must be whole.
template <typename T>
T scalar_as(double value, const char* op) {
  check_whole(value, dtype_of<T>, op);
  return T(value);
}

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

// ---- the op families ----

// out = f(a, b) in a's dtype; numeric types.
template <typename F>
Tensor arithmetic(const Tensor& a, const Tensor& b, const char* op,
                  [[maybe_unused]] cuda::BinaryOp kind, F f) {
  check_binary(a, b, op);
  Shape sizes = broadcast_shapes(a.sizes(), b.sizes(), op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::binary(a, b, sizes, kind, op);
#endif
  return dispatch_numeric(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map2<T, T, T>(a, b, sizes, [&](T x, T y) { return T(f(x, y)); });
  });
}

// out = f(a, b) in a's dtype; float32/float64 only.
template <typename F>
Tensor binary_floating(const Tensor& a, const Tensor& b, const char* op,
                       [[maybe_unused]] cuda::BinaryOp kind, F f, int64_t piece = kCheapPiece) {
  check_binary(a, b, op);
  Shape sizes = broadcast_shapes(a.sizes(), b.sizes(), op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::binary(a, b, sizes, kind, op);
#endif
  return dispatch_floating(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map2<T, T, T>(
        a, b, sizes, [&](T x, T y) { return T(f(x, y)); }, piece);
  });
}

template <typename F>
Tensor unary_numeric(const Tensor& a, const char* op, [[maybe_unused]] cuda::UnaryOp kind, F f) {
  check_input(a, op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::unary(a, kind, op);
#endif
  return dispatch_numeric(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map1<T, T>(a, [&](T x) { return T(f(x)); });
  });
}

template <typename F>
Tensor unary_floating(const Tensor& a, const char* op, [[maybe_unused]] cuda::UnaryOp kind, F f,
                      [[maybe_unused]] double exponent = 0, int64_t piece = kCheapPiece) {
  check_input(a, op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::unary(a, kind, op, exponent);
#endif
  return dispatch_floating(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map1<T, T>(
        a, [&](T x) { return T(f(x)); }, piece);
  });
}

// unary_floating for an f that calls libm's exp, log or tanh: smaller pieces per task.
template <typename F>
Tensor unary_libm(const Tensor& a, const char* op, cuda::UnaryOp kind, F f) {
  return unary_floating(a, op, kind, f, 0, kLibmPiece);
}

// out = f(a, b) as bool, broadcast.
template <typename F>
Tensor compare(const Tensor& a, const Tensor& b, const char* op,
               [[maybe_unused]] cuda::BinaryOp kind, F f) {
  check_binary(a, b, op);
  Shape sizes = broadcast_shapes(a.sizes(), b.sizes(), op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::binary(a, b, sizes, kind, op);
#endif
  return dispatch_numeric(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return map2<bool, T, T>(a, b, sizes, [&](T x, T y) { return bool(f(x, y)); });
  });
}

// out = f(a, value) as bool; see elementwise.h for how value meets each dtype.
template <typename F>
Tensor compare(const Tensor& a, double value, const char* op, [[maybe_unused]] cuda::BinaryOp kind,
               F f) {
  check_input(a, op);
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::compare(a, value, kind, op);
#endif
  return dispatch_numeric(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const T v = T(value);
      return map1<bool, T>(a, [&](T x) { return bool(f(x, v)); });
    } else {
      return map1<bool, T>(a, [&](T x) { return bool(f(double(x), value)); });
    }
  });
}

// Whether an integer tensor holds a 0 (integer division checks before it divides).
bool has_zero(const Tensor& t) {
#if EMBER_WITH_CUDA
  if (t.is_cuda()) return cuda::has_zero(t);
#endif
  std::atomic<bool> found{false};
  dispatch_index(t.dtype(), "div", [&](auto tag) {
    using T = decltype(tag);
    const T* x = first<const T>(t);
    for_each_row<1>(t.sizes(), {t.strides()}, {t.offset()},
                    [&](std::array<int64_t, 1> at, int64_t n, std::array<int64_t, 1> step) {
                      bool zero = false;
                      for (int64_t i = 0; i < n; ++i) zero |= x[at[0] + i * step[0]] == 0;
                      if (zero) found.store(true, std::memory_order_relaxed);
                    });
  });
  return found.load();
}

// out = kernel over the inputs' elements, all float32 of one shape and contiguous.
template <size_t N, typename Kernel>
Tensor run_floats(std::array<Tensor, N> in, Kernel kernel) {
  Tensor out = empty(in[0].sizes(), kFloat32);
  float* o = out.data<float>();
  std::array<const float*, N> x;
  for (size_t k = 0; k < N; ++k) x[k] = in[k].template data<float>();
  parallel_for(out.numel(), kCheapPiece, [&](int64_t begin, int64_t end) {
    if constexpr (N == 1) kernel(x[0] + begin, o + begin, end - begin);
    if constexpr (N == 2) kernel(x[0] + begin, x[1] + begin, o + begin, end - begin);
  });
  return out;
}

}  // namespace

Tensor scalar_like(const Tensor& like, double value, const char* op) {
  check_defined(like, op);
  check_whole(value, like.dtype(), op);
  return scalar_tensor(value, TensorOptions(like.dtype()).device(like.device()));
}

// ---- binary arithmetic ----

Tensor add(const Tensor& a, const Tensor& b) {
  return arithmetic(a, b, "add", cuda::BinaryOp::kAdd, [](auto x, auto y) { return x + y; });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return arithmetic(a, b, "sub", cuda::BinaryOp::kSub, [](auto x, auto y) { return x - y; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return arithmetic(a, b, "mul", cuda::BinaryOp::kMul, [](auto x, auto y) { return x * y; });
}

Tensor div(const Tensor& a, const Tensor& b) {
  check_binary(a, b, "div");
  EMBER_CHECK(!is_integral(b.dtype()) || !has_zero(b), "div: integer division by zero");
  return arithmetic(a, b, "div", cuda::BinaryOp::kDiv, [](auto x, auto y) { return x / y; });
}

Tensor pow(const Tensor& a, const Tensor& exponent) {
  return binary_floating(
      a, exponent, "pow", cuda::BinaryOp::kPow, [](auto x, auto y) { return std::pow(x, y); },
      kLibmPiece);
}

// ---- unary ----

Tensor neg(const Tensor& a) {
  return unary_numeric(a, "neg", cuda::UnaryOp::kNeg, [](auto x) { return -x; });
}

Tensor abs(const Tensor& a) {
  return unary_numeric(a, "abs", cuda::UnaryOp::kAbs, [](auto x) { return std::abs(x); });
}

Tensor sign(const Tensor& a) {
  return unary_numeric(a, "sign", cuda::UnaryOp::kSign, [](auto x) {
    using T = decltype(x);
    return (T(0) < x) - (x < T(0));
  });
}

Tensor pow(const Tensor& a, double exponent) {
  if (exponent == 2.0)
    return unary_floating(
        a, "pow", cuda::UnaryOp::kPow, [](auto x) { return x * x; }, exponent);
  return unary_floating(
      a, "pow", cuda::UnaryOp::kPow,
      [exponent](auto x) {
        using T = decltype(x);
        return std::pow(x, T(exponent));
      },
      exponent, kLibmPiece);
}

Tensor exp(const Tensor& a) {
  return unary_libm(a, "exp", cuda::UnaryOp::kExp, [](auto x) { return std::exp(x); });
}

Tensor log(const Tensor& a) {
  return unary_libm(a, "log", cuda::UnaryOp::kLog, [](auto x) { return std::log(x); });
}

Tensor sqrt(const Tensor& a) {
  return unary_floating(a, "sqrt", cuda::UnaryOp::kSqrt, [](auto x) { return std::sqrt(x); });
}

Tensor sigmoid(const Tensor& a) {
  return unary_libm(a, "sigmoid", cuda::UnaryOp::kSigmoid, [](auto x) {
    using T = decltype(x);
    return T(1) / (T(1) + std::exp(-x));
  });
}

Tensor tanh(const Tensor& a) {
  return unary_libm(a, "tanh", cuda::UnaryOp::kTanh, [](auto x) { return std::tanh(x); });
}

Tensor relu(const Tensor& a) {
  return unary_floating(a, "relu", cuda::UnaryOp::kRelu, [](auto x) {
    using T = decltype(x);
    return x < T(0) ? T(0) : x;
  });
}

Tensor logsigmoid(const Tensor& a) {
  check_input(a, "logsigmoid");
  if (a.dtype() == kFloat32 && !a.is_cuda()) {
#if defined(__x86_64__)
    if (cpu::has_avx2_fma())
      return run_floats<1>({contiguous(a)}, vector_math::logsigmoid_floats_avx2);
#endif
    return run_floats<1>({contiguous(a)}, vector_math::logsigmoid_floats_generic);
  }
  return unary_libm(a, "logsigmoid", cuda::UnaryOp::kLogsigmoid, [](auto x) {
    using T = decltype(x);
    return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
  });
}

Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max) {
  check_input(a, "clamp");
  EMBER_CHECK(min || max, "clamp: at least one of min and max must be given");
  dispatch_numeric(a.dtype(), "clamp", [&](auto tag) {  // whole bounds for an integer tensor
    using T = decltype(tag);
    if (min) scalar_as<T>(*min, "clamp");
    if (max) scalar_as<T>(*max, "clamp");
  });
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::clamp(a, min, max);
#endif
  return dispatch_numeric(a.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    const T lo = min ? scalar_as<T>(*min, "clamp") : lowest<T>();
    const T hi = max ? scalar_as<T>(*max, "clamp") : highest<T>();
    return map1<T, T>(a, [lo, hi](T x) {
      T y = x < lo ? lo : x;
      return hi < y ? hi : y;
    });
  });
}

// ---- selection ----

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_binary(a, b, "where");
  check_mask(condition, a, "where", "condition");
  Shape sizes = broadcast_shapes(condition.sizes(), a.sizes(), "where");
  sizes = broadcast_shapes(sizes, b.sizes(), "where");
#if EMBER_WITH_CUDA
  if (a.is_cuda()) return cuda::where(condition, a, b, sizes);
#endif
  return dispatch_numeric(a.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    return map3<T, bool, T, T>(condition, a, b, sizes, [](bool c, T x, T y) { return c ? x : y; });
  });
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, double value) {
  check_input(a, "masked_fill");
  check_mask(mask, a, "masked_fill", "mask");
  EMBER_CHECK(broadcast_shapes(mask.sizes(), a.sizes(), "masked_fill") == a.sizes(),
              "masked_fill: mask ", mask.sizes(), " does not broadcast to ", a.sizes());
#if EMBER_WITH_CUDA
  if (a.is_cuda()) {
    dispatch_numeric(a.dtype(), "masked_fill", [&](auto tag) {
      scalar_as<decltype(tag)>(value, "masked_fill");  // a whole value for an integer tensor
    });
    return cuda::masked_fill(a, mask, value);
  }
#endif
  return dispatch_numeric(a.dtype(), "masked_fill", [&](auto tag) {
    using T = decltype(tag);
    const T v = scalar_as<T>(value, "masked_fill");
    return map2<T, T, bool>(a, mask, a.sizes(), [v](T x, bool m) { return m ? v : x; });
  });
}

// ---- comparisons ----

Tensor eq(const Tensor& a, const Tensor& b) {
  return compare(a, b, "eq", cuda::BinaryOp::kEq, [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ne", cuda::BinaryOp::kNe, [](auto x, auto y) { return x != y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "lt", cuda::BinaryOp::kLt, [](auto x, auto y) { return x < y; });
}
Tensor le(const Tensor& a, const Tensor& b) {
  return compare(a, b, "le", cuda::BinaryOp::kLe, [](auto x, auto y) { return x <= y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "gt", cuda::BinaryOp::kGt, [](auto x, auto y) { return x > y; });
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ge", cuda::BinaryOp::kGe, [](auto x, auto y) { return x >= y; });
}

Tensor eq(const Tensor& a, double value) {
  return compare(a, value, "eq", cuda::BinaryOp::kEq, [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, double value) {
  return compare(a, value, "ne", cuda::BinaryOp::kNe, [](auto x, auto y) { return x != y; });
}
Tensor lt(const Tensor& a, double value) {
  return compare(a, value, "lt", cuda::BinaryOp::kLt, [](auto x, auto y) { return x < y; });
}
Tensor le(const Tensor& a, double value) {
  return compare(a, value, "le", cuda::BinaryOp::kLe, [](auto x, auto y) { return x <= y; });
}
Tensor gt(const Tensor& a, double value) {
  return compare(a, value, "gt", cuda::BinaryOp::kGt, [](auto x, auto y) { return x > y; });
}
Tensor ge(const Tensor& a, double value) {
  return compare(a, value, "ge", cuda::BinaryOp::kGe, [](auto x, auto y) { return x >= y; });
}

// ---- fused backward formulas: grad and the saved tensor share a shape ----

Tensor sigmoid_backward(const Tensor& grad, const Tensor& out) {
  return binary_floating(grad, out, "sigmoid_backward", cuda::BinaryOp::kSigmoidBackward,
                         [](auto g, auto y) {
                           using T = decltype(y);
                           return g * y * (T(1) - y);
                         });
}

Tensor tanh_backward(const Tensor& grad, const Tensor& out) {
  return binary_floating(grad, out, "tanh_backward", cuda::BinaryOp::kTanhBackward,
                         [](auto g, auto y) {
                           using T = decltype(y);
                           return g * (T(1) - y * y);
                         });
}

Tensor relu_backward(const Tensor& grad, const Tensor& out) {
  return binary_floating(grad, out, "relu_backward", cuda::BinaryOp::kReluBackward,
                         [](auto g, auto y) {
                           using T = decltype(y);
                           return y > T(0) ? g : T(0);
                         });
}

// d/da logsigmoid(a) = sigmoid(-a) = 1 / (1 + exp(a)): 0 for large a, 1 for very negative a.
Tensor logsigmoid_backward(const Tensor& grad, const Tensor& a) {
  check_binary(grad, a, "logsigmoid_backward");
  if (a.dtype() == kFloat32 && !a.is_cuda()) {
    const Shape sizes = broadcast_shapes(grad.sizes(), a.sizes(), "logsigmoid_backward");
    const std::array<Tensor, 2> in = {contiguous(expand(grad, sizes)),
                                      contiguous(expand(a, sizes))};
#if defined(__x86_64__)
    if (cpu::has_avx2_fma()) return run_floats<2>(in, vector_math::logsigmoid_backward_floats_avx2);
#endif
    return run_floats<2>(in, vector_math::logsigmoid_backward_floats_generic);
  }
  return binary_floating(
      grad, a, "logsigmoid_backward", cuda::BinaryOp::kLogsigmoidBackward,
      [](auto g, auto x) {
        using T = decltype(x);
        return g / (T(1) + std::exp(x));
      },
      kLibmPiece);
}

Tensor clamp_backward(const Tensor& grad, const Tensor& a, std::optional<double> min,
                      std::optional<double> max) {
  check_binary(grad, a, "clamp_backward");
#if EMBER_WITH_CUDA
  if (a.is_cuda())
    return cuda::clamp_backward(
        grad, a, broadcast_shapes(grad.sizes(), a.sizes(), "clamp_backward"), min, max);
#endif
  return dispatch_floating(a.dtype(), "clamp_backward", [&](auto tag) {
    using T = decltype(tag);
    const T lo = min ? T(*min) : lowest<T>();
    const T hi = max ? T(*max) : highest<T>();
    Shape sizes = broadcast_shapes(grad.sizes(), a.sizes(), "clamp_backward");
    return map2<T, T, T>(grad, a, sizes,
                         [lo, hi](T g, T x) { return lo <= x && x <= hi ? g : T(0); });
  });
}

}  // namespace ember::ops
