// What the CPU running this process executes, and asking its cache for rows ahead of their
// use. Every SIMD body of the library (GEMM's micro kernels, softmax, the sums, SparseAdam's
// rows, the fused trainers' workers) is compiled for several targets and picks its build with
// these, checked once a process.
#pragma once

#include <cstddef>

namespace ember::cpu {

// AVX2.
bool has_avx2();
// AVX2 and FMA.
bool has_avx2_fma();
// AVX-512 F, with AVX2 and FMA, unless the environment sets EMBER_NO_AVX512 (for a CPU that
// lowers its clock under AVX-512, or to compare: each AVX-512 body gives its AVX2 twin's bits).
bool has_avx512();

// Asks the cache for every 64-byte line of the `bytes` at p, to be read: rows at random places
// (a lookup's, a bag's, a sampled word's) come from the last-level cache or memory, where the
// hardware prefetchers cannot foresee them.
inline __attribute__((always_inline)) void prefetch(const void* p, size_t bytes) {
  const char* at = static_cast<const char*>(p);
  for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(at + b);
}

// The same for lines about to be written: a line fetched to be read would be fetched again
// for ownership at its write. PREFETCHW where the caller is compiled with prfchw (every CPU
// with AVX2 has it), a prefetch for reading elsewhere.
inline __attribute__((always_inline)) void prefetch_for_writing(const void* p, size_t bytes) {
  const char* at = static_cast<const char*>(p);
  for (size_t b = 0; b < bytes; b += 64) __builtin_prefetch(at + b, /*for writing*/ 1);
}

}  // namespace ember::cpu
