// The inner kernels of gemm.cpp, each in a portable version and an AVX2+FMA version picked
// at run time (the library is built for generic x86-64); the micro kernel in an AVX-512
// version too.
//   micro kernel:  C[mr,nr] = alpha * A[MR,kc] * B[kc,NR] + beta * C[mr,nr] on packed
//                  panels (A panel is p-major [kc][MR], B panel [kc][NR], zero padded).
//   direct kernel: the same product on unpacked strided matrices, for tiny sizes where
//                  packing costs more than it saves (bmm of [5,100] x [100,1] per item, and
//                  its backward's [5,1] x [1,100] and [100,5] x [5,1]).
//   packing:       A and B blocks into those panels, whatever their strides.
// Packing moves 8x8 (float) or 4x4 (double) blocks through register transposes, so a
// transposed view (as mm's backward passes them) packs as fast as a row-major matrix.
// In both, C is written (=) when beta == 0 and never read, so it may hold garbage.
#pragma once

#include <cstdint>

namespace ember::ops::gemm_kernel {

// Register block (MR x NR), and the cache blocks: an A block [MC,KC] stays in L2, a B
// micro-panel [KC,NR] in L1, the B panel [KC,NC] in L3.
template <typename T>
struct Blocking;
template <>
struct Blocking<float> {
  static constexpr int64_t kMr = 6, kNr = 16, kMc = 144, kKc = 256, kNc = 4080;
};
template <>
struct Blocking<double> {
  static constexpr int64_t kMr = 6, kNr = 8, kMc = 72, kKc = 256, kNc = 2040;
};

template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t c_rs, int64_t c_cs,
                             int64_t mr, int64_t nr, T alpha, T beta);

// A is [m,k], B is [k,n], C is [m,n]; element (i,j) of X at x[i * x_rs + j * x_cs].
template <typename T>
using DirectKernel = void (*)(int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t a_rs,
                              int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c,
                              int64_t c_rs, int64_t c_cs);

// Packing. A block [mc,kc] -> ceil(mc / MR) panels, each p-major [kc][MR], rows past mc
// zero. B columns [j0, j0 + nr) of a block with kc rows (nr <= NR) -> one panel [kc][NR],
// columns past nr zero. Element (i,p) of A is a[i * rs + p * cs], (p,j) of B b[p * rs + j * cs].
// A row-major A and a transposed B are transposed while packed: in registers, 8x8 (float) or
// 4x4 (double) tiles at a time, so that every read is contiguous and every write too.
template <typename T>
using PackA = void (*)(int64_t mc, int64_t kc, const T* a, int64_t rs, int64_t cs, T* packed);
template <typename T>
using PackB = void (*)(int64_t kc, int64_t nr, const T* b, int64_t rs, int64_t cs, T* packed);

// The fastest version this CPU runs.
template <typename T>
MicroKernel<T> micro_kernel();
// The micro kernel for one instruction set, or nullptr where this CPU lacks it (tests pin the
// versions to each other). The AVX-512 one works on the same panels as the AVX2 one.
enum class Isa { kPortable, kAvx2, kAvx512 };
template <typename T>
MicroKernel<T> micro_kernel(Isa isa);
template <typename T>
DirectKernel<T> direct_kernel();
template <typename T>
PackA<T> pack_a();
template <typename T>
PackB<T> pack_b();

}  // namespace ember::ops::gemm_kernel
