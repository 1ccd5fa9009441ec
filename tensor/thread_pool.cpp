#include <ember/tensor/internal/thread_pool.h>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <climits>

namespace ember {

namespace {

thread_local bool t_inside_loop = false;

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
                  std::atomic<uint32_t>::is_always_lock_free,
              "a futex word must be a plain 32-bit integer");

// Sleeps while *word == value (returns at once if it differs; spurious returns happen).
void futex_wait(std::atomic<uint32_t>* word, uint32_t value) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, value, nullptr, nullptr,
          0);
}

// Wakes up to `count` threads sleeping on word.
void futex_wake(std::atomic<uint32_t>* word, int count) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr,
          0);
}

// The CPU's spin-wait hint: the sibling hyperthread gets the core's resources meanwhile.
inline void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Spins until done() or spin_ns have passed (time, not iterations: a pause instruction
// takes 10 cycles on some CPUs and 140 on others); returns done().
template <typename Done>
bool spin_until(int64_t spin_ns, Done done) {
  if (done()) return true;
  if (spin_ns <= 0) return false;
  const int64_t start = now_ns();
  for (uint32_t i = 1;; ++i) {
    cpu_pause();
    if (done()) return true;
    if (i % 16 == 0 && now_ns() - start >= spin_ns) return false;
  }
}

// claim_'s fields: the loop's number, its chunk count, the next unclaimed chunk.
uint64_t pack(uint32_t generation, int64_t chunks, int64_t next) {
  return uint64_t(generation) << 32 | uint64_t(chunks) << 16 | uint64_t(next);
}

}  // namespace

ThreadPool::ThreadPool(int threads, int64_t spin_ns) : spin_ns_(spin_ns) {
  workers_.reserve(size_t(threads > 1 ? threads - 1 : 0));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  generation_.fetch_add(1);
  futex_wake(&generation_, INT_MAX);
  for (std::thread& worker : workers_) worker.join();
}

bool ThreadPool::inside_loop() { return t_inside_loop; }

void ThreadPool::run(int64_t chunks, Chunk chunk, void* context) {
  chunk_ = chunk;
  context_ = context;
  error_ = nullptr;
  pending_.store(uint32_t(chunks), std::memory_order_relaxed);  // published by claim_
  const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  claim_.store(pack(generation, chunks, 1), std::memory_order_release);  // 0 is the caller's
  generation_.store(generation);
  // Sleeping workers are woken (a syscall); spinning ones see the new number themselves.
  if (chunks > 1 && sleeping_workers_.load() > 0) futex_wake(&generation_, int(chunks - 1));

  t_inside_loop = true;
  int64_t c = 0;
  do {
    run_chunk(c);
    pending_.fetch_sub(1);
  } while (claim(generation, &c));
  // Wait for the chunks the workers claimed: spin, then sleep until the last one wakes us.
  if (!spin_until(spin_ns_, [&] { return pending_.load() == 0; })) {
    caller_sleeping_.store(1);
    for (uint32_t left; (left = pending_.load()) != 0;) futex_wait(&pending_, left);
    caller_sleeping_.store(0);
  }
  t_inside_loop = false;

  if (error_) {
    std::exception_ptr error = error_;
    error_ = nullptr;
    std::rethrow_exception(error);
  }
}

// Takes the next unstarted chunk of loop `generation` into *c; false when none is left (or
// that loop is over: a worker woken late must not take a chunk of the next one).
bool ThreadPool::claim(uint32_t generation, int64_t* c) {
  uint64_t word = claim_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t chunks = word >> 16 & 0xffff, next = word & 0xffff;
    if (uint32_t(word >> 32) != generation || next >= chunks) return false;
    if (claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      *c = int64_t(next);
      return true;
    }
  }
}

// Runs one chunk; an exception is kept (the lowest chunk's) for run() to rethrow.
void ThreadPool::run_chunk(int64_t c) {
  try {
    chunk_(context_, c);
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_ || c < error_chunk_) {
      error_ = std::current_exception();
      error_chunk_ = c;
    }
  }
}

// A worker's chunk is done; the last one wakes the caller if it sleeps. (Both sides use
// sequentially consistent operations: either the caller sees pending_ reach 0, or the
// worker sees caller_sleeping_ set.)
void ThreadPool::finish_chunk() {
  if (pending_.fetch_sub(1) == 1 && caller_sleeping_.load()) futex_wake(&pending_, 1);
}

void ThreadPool::work() {
  t_inside_loop = true;
  uint32_t seen = 0;
  for (;;) {
    if (!spin_until(spin_ns_, [&] { return generation_.load() != seen; })) {
      sleeping_workers_.fetch_add(1);
      while (generation_.load() == seen) futex_wait(&generation_, seen);
      sleeping_workers_.fetch_sub(1);
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load()) return;
    int64_t c;
    while (claim(seen, &c)) {
      run_chunk(c);
      finish_chunk();
    }
  }
}

}  // namespace ember
