// The process's thread pool behind parallel_for, and the thread count it runs with.
//
// One loop at a time uses the pool: a loop started while another thread's loop has it runs
// its chunks one after another on its own thread instead of waiting. Threads that call
// parallel_for at once are already using cores of their own; waiting for the pool would
// leave the caller's core idle, and running both loops on the pool would oversubscribe it.
// The chunks, hence the results, are the same either way.
#include <ember/tensor/parallel.h>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

#include <ember/tensor/error.h>
#include <ember/tensor/internal/thread_pool.h>

namespace ember {

namespace {

constexpr int kDefaultSpinMicroseconds = 50;

std::atomic<int> g_num_threads{0};  // 0: not set, the default
// Loops run serially from here on: in a forked child (the workers did not come along), and
// once exit has destroyed the pool.
std::atomic<bool> g_serial_only{false};

// The pool, created at the first parallel loop and resized at the first one after the thread
// count changed, and the mutex that lets one loop at a time use it.
struct PoolHolder {
  std::mutex mutex;
  std::unique_ptr<ThreadPool> pool;

  // At exit: join the workers, unless a loop is still running (exit() from a chunk, or from
  // another thread during a loop), which joining would wait for; then leave them to the
  // process's end. The static destructors after this one run their loops serially.
  ~PoolHolder() {
    const bool serial_before = g_serial_only.exchange(true);
    if (serial_before || ThreadPool::inside_loop() || !mutex.try_lock()) {
      (void)pool.release();
      return;
    }
    pool.reset();
    mutex.unlock();
  }
};
PoolHolder g_holder;

// The OMP_NUM_THREADS users may have set for ember's OpenMP days, else the cores of the
// affinity mask (taskset, cgroups' cpusets), else every core.
int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return std::min(n, ThreadPool::kMaxThreads);
  }
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) return std::max(1, CPU_COUNT(&mask));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

int spin_microseconds() {
  if (const char* env = std::getenv("EMBER_SPIN_US")) {
    char* end = nullptr;
    const long us = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && us >= 0 && us <= 1000000) return int(us);
  }
  return kDefaultSpinMicroseconds;
}

void after_fork_in_child() { g_serial_only.store(true); }

}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n <= ThreadPool::kMaxThreads, "set_num_threads: at most ", ThreadPool::kMaxThreads,
              " threads, got ", n);
  g_num_threads.store(n > 0 ? n : default_threads());
}

int get_num_threads() {
  const int n = g_num_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
  static const int kDefault = default_threads();
  return kDefault;
}

int thread_spin_microseconds() {
  static const int kSpin = spin_microseconds();
  return kSpin;
}

namespace detail {

void run_chunks(int64_t chunks, void (*chunk)(void* context, int64_t c), void* context) {
  auto serial = [&] {
    for (int64_t c = 0; c < chunks; ++c) chunk(context, c);
  };
  if (chunks <= 1 || chunks > ThreadPool::kMaxThreads || ThreadPool::inside_loop() ||
      g_serial_only.load(std::memory_order_relaxed))
    return serial();
  std::unique_lock<std::mutex> lock(g_holder.mutex, std::try_to_lock);
  if (!lock.owns_lock()) return serial();  // another thread's loop has the pool
  const int threads = get_num_threads();
  if (!g_holder.pool || g_holder.pool->threads() != threads) {
    static std::once_flag fork_handler;
    std::call_once(fork_handler, [] { pthread_atfork(nullptr, nullptr, after_fork_in_child); });
    g_holder.pool.reset();  // joins the old workers first
    g_holder.pool =
        std::make_unique<ThreadPool>(threads, int64_t(thread_spin_microseconds()) * 1000);
  }
  g_holder.pool->run(chunks, chunk, context);
}

}  // namespace detail

}  // namespace ember
