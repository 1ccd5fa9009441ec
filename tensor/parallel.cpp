#include <ember/tensor/parallel.h>

#include <omp.h>

namespace ember {

namespace {
int g_num_threads = 0;  // 0: not set, use OpenMP's default
}

void set_num_threads(int n) { g_num_threads = n > 0 ? n : omp_get_num_procs(); }

int get_num_threads() { return g_num_threads > 0 ? g_num_threads : omp_get_max_threads(); }

}  // namespace ember
