// The CUDA twin of tensor/ops/lstm_cell.cpp: one thread per (b, j) of [B, H], reading the
// four gate pre-activations of that unit and writing its outputs.
#include <ember/cuda/check.cuh>
#include <ember/cuda/internal/lstm_cell.h>

namespace ember::cuda {

namespace {

template <typename T>
__device__ T sigmoid(T x) {
  return T(1) / (T(1) + exp(-x));
}

// tanh through one exp, as the CPU computes it.
template <typename T>
__device__ T tanh_by_exp(T x) {
  return T(1) - T(2) / (exp(T(2) * x) + T(1));
}

// x, r [B, 4H] pre-activations; c_prev [B, H]. Writes (=) h, c, tanh_c [B, H], gates [B, 4H]:
//   i, f, o = sigmoid(x + r), g = tanh(x + r);  c = f * c_prev + i * g;  h = o * tanh(c)
template <typename T>
__global__ void lstm_forward_kernel(const T* x, const T* r, const T* c_prev, T* h, T* c_out,
                                    T* gates, T* tanh_c, int64_t batch, int64_t hidden) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < batch * hidden;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = at / hidden, j = at % hidden, H = hidden;
    const T* xb = x + b * 4 * H;
    const T* rb = r + b * 4 * H;
    T* a = gates + b * 4 * H;
    const T i = sigmoid(xb[j] + rb[j]);
    const T f = sigmoid(xb[H + j] + rb[H + j]);
    const T g = tanh_by_exp(xb[2 * H + j] + rb[2 * H + j]);
    const T o = sigmoid(xb[3 * H + j] + rb[3 * H + j]);
    const T c = f * c_prev[at] + i * g;
    a[j] = i;
    a[H + j] = f;
    a[2 * H + j] = g;
    a[3 * H + j] = o;
    c_out[at] = c;
    const T tc = tanh_by_exp(c);
    tanh_c[at] = tc;
    h[at] = o * tc;
  }
}

// Writes (=) grad_gates [B, 4H] and grad_c_prev [B, H]; dh, dc may be null (zero). tc = tanh(c):
//   dc_total = grad_c + grad_h * o * (1 - tc^2)
//   d(i) = dc_total * g * i (1 - i);  d(f) = dc_total * c_prev * f (1 - f)
//   d(g) = dc_total * i * (1 - g^2);  d(o) = grad_h * tc * o (1 - o);  grad_c_prev = dc_total * f
template <typename T>
__global__ void lstm_backward_kernel(const T* dh, const T* dc, const T* gates, const T* c_prev,
                                     const T* tanh_c, T* grad_gates, T* grad_c_prev, int64_t batch,
                                     int64_t hidden) {
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < batch * hidden;
       at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = at / hidden, j = at % hidden, H = hidden;
    const T* a = gates + b * 4 * H;
    T* d = grad_gates + b * 4 * H;
    const T i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
    const T tc = tanh_c[at];
    const T grad_h = dh ? dh[at] : T(0);
    const T dc_total = (dc ? dc[at] : T(0)) + grad_h * o * (T(1) - tc * tc);
    d[j] = dc_total * g * i * (T(1) - i);
    d[H + j] = dc_total * c_prev[at] * f * (T(1) - f);
    d[2 * H + j] = dc_total * i * (T(1) - g * g);
    d[3 * H + j] = grad_h * tc * o * (T(1) - o);
    grad_c_prev[at] = dc_total * f;
  }
}

}  // namespace

ops::LstmCellForward lstm_cell_forward(const Tensor& input_gates, const Tensor& hidden_gates,
                                       const Tensor& c_prev) {
  const int64_t batch = input_gates.size(0), hidden = input_gates.size(1) / 4;
  const TensorOptions options = TensorOptions(input_gates.dtype()).device(input_gates.device());
  ops::LstmCellForward out{empty({batch, hidden}, options), empty({batch, hidden}, options),
                           empty({batch, 4 * hidden}, options), empty({batch, hidden}, options)};
  if (batch * hidden == 0) return out;
  DeviceGuard guard(input_gates.device().index);
  dispatch_floating(input_gates.dtype(), "lstm_cell", [&](auto tag) {
    using T = decltype(tag);
    lstm_forward_kernel<<<blocks_for(batch * hidden), kThreads, 0, current_stream()>>>(
        input_gates.device_data<T>(), hidden_gates.device_data<T>(), c_prev.device_data<T>(),
        out.h.device_data<T>(), out.c.device_data<T>(), out.gates.device_data<T>(),
        out.tanh_c.device_data<T>(), batch, hidden);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

ops::LstmCellBackward lstm_cell_backward(const Tensor& grad_h, const Tensor& grad_c,
                                         const Tensor& gates, const Tensor& c_prev,
                                         const Tensor& tanh_c) {
  const int64_t batch = gates.size(0), hidden = gates.size(1) / 4;
  const TensorOptions options = TensorOptions(gates.dtype()).device(gates.device());
  ops::LstmCellBackward out{empty({batch, 4 * hidden}, options), empty({batch, hidden}, options)};
  if (batch * hidden == 0) return out;
  DeviceGuard guard(gates.device().index);
  dispatch_floating(gates.dtype(), "lstm_cell_backward", [&](auto tag) {
    using T = decltype(tag);
    lstm_backward_kernel<<<blocks_for(batch * hidden), kThreads, 0, current_stream()>>>(
        grad_h.defined() ? grad_h.device_data<T>() : nullptr,
        grad_c.defined() ? grad_c.device_data<T>() : nullptr, gates.device_data<T>(),
        c_prev.device_data<T>(), tanh_c.device_data<T>(), out.grad_gates.device_data<T>(),
        out.grad_c_prev.device_data<T>(), batch, hidden);
    EMBER_CUDA_CHECK_LAUNCH();
  });
  return out;
}

}  // namespace ember::cuda
