#include <cstdio>

#include <ember/ember.h>

#include "commands.h"

namespace ember::cli {

int version() {
  std::printf("ember %s\nCUDA backend: %s\nCUDA devices: %d\n", EMBER_VERSION,
              EMBER_WITH_CUDA ? "built" : "not built", cuda_device_count());
  return 0;
}

}  // namespace ember::cli
