#include <cstdio>

#include <ember/ember.h>

#include "commands.h"

namespace ember::cli {

int version() {
  std::printf("ember %s\nCUDA backend: %s\nCUDA devices: %d\n", EMBER_VERSION,
              EMBER_WITH_CUDA ? "built" : "not built", cuda_device_count());
  // The CPU kernels' threads (tensor/parallel.h): an idle one spins this long, then sleeps.
  std::printf("threads: %d (ember's pool: spins %d us, then sleeps)\n", get_num_threads(),
              thread_spin_microseconds());
  // The distributed layer's backends (dist/): mpirun starts the ranks of a run over MPI.
  std::printf("distributed: MPI %s, NCCL %s\n", dist::has_mpi() ? "built" : "not built",
              dist::has_nccl() ? "built" : "not built");
  return 0;
}

}  // namespace ember::cli
