// The CPU GEMM, structured as GotoBLAS/BLIS:
//   for each column block jc of C (NC wide)
//     for each depth block pc (KC deep): pack B[pc:+KC, jc:+NC] into NR-wide panels (shared)
//       in parallel, for each row block ic (MC tall): pack A[ic:+MC, pc:+KC] into MR-tall
//         panels (per thread), then for each NR panel, for each MR panel: the micro kernel
//         C[MR,NR] (+)= A panel * B panel.
// Packing makes every operand layout (row/column major, transposed, broadcast) one layout;
// the packers are in gemm_kernel.cpp (transposes in registers, contiguous reads and writes).
// Tiny products skip packing and run the direct kernel.
#include <algorithm>
#include <vector>

#include <ember/tensor/ops/internal/gemm_kernel.h>
#include <ember/tensor/ops/matmul.h>
#include <ember/tensor/parallel.h>

namespace ember::ops {

namespace {

using gemm_kernel::Blocking;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Runs f(begin, end) over [0, n) on up to `threads` threads.
template <typename F>
void run_parallel(int64_t n, int threads, F&& f) {
  if (threads <= 1 || n <= 1)
    f(int64_t(0), n);
  else
    parallel_for(n, 1, f);
}

// A per-thread buffer of at least `count` elements, 64-byte aligned; slot 0 holds packed A,
// slot 1 packed B.
template <typename T>
T* scratch(int slot, int64_t count) {
  thread_local std::vector<T> buffers[2];
  std::vector<T>& buffer = buffers[slot];
  const int64_t pad = 64 / sizeof(T);
  if (int64_t(buffer.size()) < count + pad) buffer.resize(size_t(count + pad));
  uintptr_t address = reinterpret_cast<uintptr_t>(buffer.data());
  return reinterpret_cast<T*>((address + 63) & ~uintptr_t(63));
}

// C = beta * C, for k == 0 or alpha == 0.
template <typename T>
void scale_c(int64_t m, int64_t n, T beta, T* c, int64_t c_rs, int64_t c_cs) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      T& out = c[i * c_rs + j * c_cs];
      out = beta == T(0) ? T(0) : beta * out;
    }
}

// Packing pays off once each packed element is reused enough; below this, go direct.
bool use_direct(int64_t m, int64_t n, int64_t k) {
  return m <= 2 || n <= 2 || m * n * k <= 16 * 16 * 16;
}

template <typename T>
void gemm_direct(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs, int64_t a_cs,
                 const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs,
                 int threads) {
  auto kernel = gemm_kernel::direct_kernel<T>();
  if (threads <= 1) {
    kernel(m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs);
  } else if (m >= n) {  // split the rows of C
    parallel_for(m, 1, [&](int64_t i0, int64_t i1) {
      kernel(i1 - i0, n, k, alpha, a + i0 * a_rs, a_rs, a_cs, b, b_rs, b_cs, beta, c + i0 * c_rs,
             c_rs, c_cs);
    });
  } else {  // split the columns of C
    parallel_for(n, 1, [&](int64_t j0, int64_t j1) {
      kernel(m, j1 - j0, k, alpha, a, a_rs, a_cs, b + j0 * b_cs, b_rs, b_cs, beta, c + j0 * c_cs,
             c_rs, c_cs);
    });
  }
}

}  // namespace

template <typename T>
void gemm(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs, int64_t a_cs,
          const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs,
          int threads) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) return scale_c(m, n, beta, c, c_rs, c_cs);
  if (m * n * k < (int64_t(1) << 17)) threads = 1;  // not worth waking the other threads
  if (use_direct(m, n, k))
    return gemm_direct(m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, threads);

  constexpr int64_t MR = Blocking<T>::kMr, NR = Blocking<T>::kNr;
  constexpr int64_t MC = Blocking<T>::kMc, KC = Blocking<T>::kKc, NC = Blocking<T>::kNc;
  const auto kernel = gemm_kernel::micro_kernel<T>();
  const auto pack_a = gemm_kernel::pack_a<T>();
  const auto pack_b_panel = gemm_kernel::pack_b<T>();

  // Row blocks of near-equal height (a multiple of MR) so the threads get equal work; when
  // there are fewer row blocks than threads, the NR panels are split into groups as well.
  int64_t row_blocks = ceil_div(m, MC);
  if (threads > 1 && row_blocks % threads != 0 && m >= threads * MR)
    row_blocks = round_up(row_blocks, threads);
  const int64_t mc_step = round_up(ceil_div(m, row_blocks), MR);
  row_blocks = ceil_div(m, mc_step);

  T* packed_b = scratch<T>(1, std::min(KC, k) * round_up(std::min(NC, n), NR));
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    const int64_t panels = ceil_div(nc, NR);
    const int64_t groups = std::max<int64_t>(1, std::min(panels, ceil_div(threads, row_blocks)));
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const T beta_here = pc == 0 ? beta : T(1);  // later depth blocks accumulate
      run_parallel(panels, threads, [&](int64_t begin, int64_t end) {
        for (int64_t panel = begin; panel < end; ++panel) {
          const int64_t j0 = panel * NR;
          pack_b_panel(kc, std::min(NR, nc - j0), b + pc * b_rs + (jc + j0) * b_cs, b_rs, b_cs,
                       packed_b + panel * NR * kc);
        }
      });
      // Work item = (row block, panel group); consecutive items share a row block, so a
      // thread packs each A block once.
      run_parallel(row_blocks * groups, threads, [&](int64_t begin, int64_t end) {
        T* packed_a = scratch<T>(0, mc_step * kc);
        int64_t packed_block = -1;
        for (int64_t item = begin; item < end; ++item) {
          const int64_t block = item / groups, group = item % groups;
          const int64_t ic = block * mc_step;
          const int64_t mc = std::min(mc_step, m - ic);
          if (block != packed_block) {
            pack_a(mc, kc, a + ic * a_rs + pc * a_cs, a_rs, a_cs, packed_a);
            packed_block = block;
          }
          const int64_t panel_begin = group * panels / groups;
          const int64_t panel_end = (group + 1) * panels / groups;
          for (int64_t panel = panel_begin; panel < panel_end; ++panel) {
            const int64_t j0 = panel * NR;
            const int64_t nr = std::min(NR, nc - j0);
            for (int64_t ir = 0; ir < mc; ir += MR) {
              T* c_tile = c + (ic + ir) * c_rs + (jc + j0) * c_cs;
              kernel(kc, packed_a + ir * kc, packed_b + panel * NR * kc, c_tile, c_rs, c_cs,
                     std::min(MR, mc - ir), nr, alpha, beta_here);
            }
          }
        }
      });
    }
  }
}

template void gemm<float>(int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                          const float*, int64_t, int64_t, float, float*, int64_t, int64_t, int);
template void gemm<double>(int64_t, int64_t, int64_t, double, const double*, int64_t, int64_t,
                           const double*, int64_t, int64_t, double, double*, int64_t, int64_t, int);

}  // namespace ember::ops
