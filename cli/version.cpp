#include <cstdio>
#include <cstdlib>
#include <string>

#include <ember/ember.h>

#include "commands.h"

namespace ember::cli {

int version() {
  std::printf("ember %s\nCUDA backend: %s\nCUDA devices: %d\n", EMBER_VERSION,
              EMBER_WITH_CUDA ? "built" : "not built", cuda_device_count());
  // What libgomp was started with (see main.cpp's bound_openmp_spinning).
  std::string wait = "libgomp's default";
  if (const char* policy = std::getenv("OMP_WAIT_POLICY"))
    wait = std::string("OMP_WAIT_POLICY=") + policy;
  else if (const char* spins = std::getenv("GOMP_SPINCOUNT"))
    wait = std::string("GOMP_SPINCOUNT=") + spins;
  std::printf("OpenMP threads: %d, idle wait: %s\n", get_num_threads(), wait.c_str());
  return 0;
}

}  // namespace ember::cli
