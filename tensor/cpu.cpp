#include <ember/tensor/cpu.h>

#include <cstdlib>

namespace ember::cpu {

bool has_avx2() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

bool has_avx2_fma() {
#if defined(__x86_64__)
  static const bool has = has_avx2() && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

bool has_avx512() {
#if defined(__x86_64__)
  static const bool has = has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          std::getenv("EMBER_NO_AVX512") == nullptr;
  return has;
#else
  return false;
#endif
}

}  // namespace ember::cpu
