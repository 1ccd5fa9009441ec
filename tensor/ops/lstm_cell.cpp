#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include <ember/config.h>
#include <ember/tensor/ops/copy.h>
#include <ember/tensor/ops/internal/checks.h>
#include <ember/tensor/ops/lstm_cell.h>
#include <ember/tensor/parallel.h>
#if EMBER_WITH_CUDA
#include <ember/cuda/internal/lstm_cell.h>
#endif

namespace ember::ops {

namespace {

void check_state(const Tensor& t, const char* what, int64_t batch, int64_t hidden,
                 const Tensor& like, const char* op) {
  check_defined(t, op);
  check_strided(t, op);
  check_same_dtype(t, like, op);
  check_same_device(t, like, op);
  EMBER_CHECK(t.dim() == 2 && t.size(0) == batch && t.size(1) == hidden, op, ": ", what,
              " has sizes ", t.sizes(), ", expected [", batch, ", ", hidden, "]");
}

// v[k] = exp(v[k]) over a contiguous row. float: Cephes' expf (range reduction by ln 2 and a
// degree-6 polynomial, within 2 ulp on [-87, 88]) written without calls or branches, so the
// compiler runs it 4 or 8 lanes at a time; libm's scalar expf took ~10% of a small LSTM's
// training step (the clamps need -fno-trapping-math, see CMakeLists.txt). double: std::exp.
void exp_inplace(float* v, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    const float x = std::min(std::max(v[k], -87.0f), 88.0f);
    // n = round(x / ln 2) by the 1.5 * 2^23 trick, r = x - n ln 2 in two parts.
    const float rounded = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - rounded * 0.693359375f;
    r = r - rounded * -2.12194440e-4f;
    float y = 1.9875691500e-4f;
    y = y * r + 1.3981999507e-3f;
    y = y * r + 8.3334519073e-3f;
    y = y * r + 4.1665795894e-2f;
    y = y * r + 1.6666665459e-1f;
    y = y * r + 5.0000001201e-1f;
    y = y * r * r + r + 1.0f;
    // A NaN input stays NaN (through r); its n is 0, not the undefined int32_t(NaN).
    const float n_ln2 = rounded == rounded ? rounded : 0.0f;
    const int32_t bits = (int32_t(n_ln2) + 127) << 23;  // 2^n
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    v[k] = y * scale;
  }
}

void exp_inplace(double* v, int64_t n) {
  for (int64_t k = 0; k < n; ++k) v[k] = std::exp(v[k]);
}

// Rows per parallel chunk: about 32K elements of [B, 4H] each.
int64_t row_grain(int64_t hidden) {
  return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, hidden));
}

}  // namespace

LstmCellForward lstm_cell_forward(const Tensor& input_gates_in, const Tensor& hidden_gates_in,
                                  const Tensor& c_prev_in) {
  const char* op = "lstm_cell";
  check_defined(input_gates_in, op);
  check_strided(input_gates_in, op);
  EMBER_CHECK(input_gates_in.dim() == 2 && input_gates_in.size(1) % 4 == 0, op,
              ": input_gates must be [B, 4H], got ", input_gates_in.sizes());
  const int64_t batch = input_gates_in.size(0), hidden = input_gates_in.size(1) / 4;
  check_state(hidden_gates_in, "hidden_gates", batch, 4 * hidden, input_gates_in, op);
  check_state(c_prev_in, "c_prev", batch, hidden, input_gates_in, op);
  Tensor input_gates = contiguous(input_gates_in);
  Tensor hidden_gates = contiguous(hidden_gates_in);
  Tensor c_prev = contiguous(c_prev_in);
#if EMBER_WITH_CUDA
  if (input_gates.is_cuda()) return cuda::lstm_cell_forward(input_gates, hidden_gates, c_prev);
#endif
  DType dtype = input_gates.dtype();
  LstmCellForward out{empty({batch, hidden}, dtype), empty({batch, hidden}, dtype),
                      empty({batch, 4 * hidden}, dtype), empty({batch, hidden}, dtype)};
  dispatch_floating(dtype, op, [&](auto tag) {
    using T = decltype(tag);
    const T* xg = input_gates.data<T>();
    const T* hg = hidden_gates.data<T>();
    const T* cp = c_prev.data<T>();
    T* hp = out.h.data<T>();
    T* cn = out.c.data<T>();
    T* act = out.gates.data<T>();
    T* tc = out.tanh_c.data<T>();
    const int64_t H = hidden;
    parallel_for(batch, row_grain(H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* x = xg + b * 4 * H;
        const T* r = hg + b * 4 * H;
        T* a = act + b * 4 * H;
        T* t = tc + b * H;
        // sigmoid(z) = 1 / (1 + exp(-z)) for i, f, o; tanh(z) = 1 - 2 / (exp(2z) + 1) for g
        // (glibc's tanh goes through a slow expm1): the exps of the row in one pass.
        for (int64_t k = 0; k < 4 * H; ++k) a[k] = -(x[k] + r[k]);
        for (int64_t k = 2 * H; k < 3 * H; ++k) a[k] = T(-2) * a[k];
        exp_inplace(a, 4 * H);
        for (int64_t j = 0; j < H; ++j) {
          T i = T(1) / (T(1) + a[j]);
          T f = T(1) / (T(1) + a[H + j]);
          T g = T(1) - T(2) / (a[2 * H + j] + T(1));
          T o = T(1) / (T(1) + a[3 * H + j]);
          T c = f * cp[b * H + j] + i * g;
          a[j] = i;
          a[H + j] = f;
          a[2 * H + j] = g;
          a[3 * H + j] = o;
          cn[b * H + j] = c;
          t[j] = T(2) * c;
        }
        exp_inplace(t, H);
        for (int64_t j = 0; j < H; ++j) {
          t[j] = T(1) - T(2) / (t[j] + T(1));
          hp[b * H + j] = a[3 * H + j] * t[j];
        }
      }
    });
  });
  return out;
}

// With tc = tanh(c):
//   dc_total = grad_c + grad_h * o * (1 - tc^2)
//   d(o pre) = grad_h * tc * o * (1 - o)        d(i pre) = dc_total * g * i * (1 - i)
//   d(g pre) = dc_total * i * (1 - g^2)         d(f pre) = dc_total * c_prev * f * (1 - f)
//   grad_c_prev = dc_total * f
LstmCellBackward lstm_cell_backward(const Tensor& grad_h_in, const Tensor& grad_c_in,
                                    const Tensor& gates_in, const Tensor& c_prev_in,
                                    const Tensor& tanh_c_in) {
  const char* op = "lstm_cell_backward";
  check_defined(gates_in, op);
  check_strided(gates_in, op);
  const int64_t batch = gates_in.size(0), hidden = gates_in.size(1) / 4;
  check_state(c_prev_in, "c_prev", batch, hidden, gates_in, op);
  check_state(tanh_c_in, "tanh_c", batch, hidden, gates_in, op);
  if (grad_h_in.defined()) check_state(grad_h_in, "grad_h", batch, hidden, gates_in, op);
  if (grad_c_in.defined()) check_state(grad_c_in, "grad_c", batch, hidden, gates_in, op);
  Tensor gates = contiguous(gates_in);
  Tensor c_prev = contiguous(c_prev_in);
  Tensor tanh_c = contiguous(tanh_c_in);
  Tensor grad_h = grad_h_in.defined() ? contiguous(grad_h_in) : Tensor();
  Tensor grad_c = grad_c_in.defined() ? contiguous(grad_c_in) : Tensor();
#if EMBER_WITH_CUDA
  if (gates.is_cuda()) return cuda::lstm_cell_backward(grad_h, grad_c, gates, c_prev, tanh_c);
#endif
  DType dtype = gates.dtype();
  LstmCellBackward out{empty({batch, 4 * hidden}, dtype), empty({batch, hidden}, dtype)};
  dispatch_floating(dtype, op, [&](auto tag) {
    using T = decltype(tag);
    const T* act = gates.data<T>();
    const T* cp = c_prev.data<T>();
    const T* tcp = tanh_c.data<T>();
    const T* dh = grad_h.defined() ? grad_h.data<T>() : nullptr;
    const T* dc = grad_c.defined() ? grad_c.data<T>() : nullptr;
    T* dgates = out.grad_gates.data<T>();
    T* dcp = out.grad_c_prev.data<T>();
    const int64_t H = hidden;
    parallel_for(batch, row_grain(H), [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        const T* a = act + b * 4 * H;
        T* d = dgates + b * 4 * H;
        for (int64_t j = 0; j < H; ++j) {
          const int64_t at = b * H + j;
          T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
          T tc = tcp[at];
          T grad_h_j = dh ? dh[at] : T(0);
          T dc_total = (dc ? dc[at] : T(0)) + grad_h_j * o * (T(1) - tc * tc);
          d[j] = dc_total * g * i * (T(1) - i);
          d[H + j] = dc_total * cp[at] * f * (T(1) - f);
          d[2 * H + j] = dc_total * i * (T(1) - g * g);
          d[3 * H + j] = grad_h_j * tc * o * (T(1) - o);
          dcp[at] = dc_total * f;
        }
      }
    });
  });
  return out;
}

}  // namespace ember::ops
