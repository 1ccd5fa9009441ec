// ember's thread pool: persistent worker threads that run the chunks of one loop at a time
// (parallel_for, tensor/parallel.h, holds the process's pool).
//
// A loop's chunks are claimed, not assigned: the caller runs chunk 0, then every thread (the
// caller too) takes the next chunk nobody has started. A worker that the OS has not scheduled
// yet (the cores are busy with other work) then costs the loop nothing: the caller runs its
// chunk instead of waiting for it. Which thread runs a chunk does not change what it computes.
//
// Waiting: a worker spins `spin_ns` for the next loop, then sleeps on a futex until run()
// wakes it; the caller waits for the chunks in flight the same way. Idle threads take no core.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ember {

class ThreadPool {
 public:
  using Chunk = void (*)(void* context, int64_t c);
  static constexpr int kMaxThreads = 4096;  // chunk indices are packed in 16 bits

  // Starts threads - 1 workers: the thread that calls run() is the other one.
  ThreadPool(int threads, int64_t spin_ns);
  ~ThreadPool();  // wakes the workers and joins them
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return int(workers_.size()) + 1; }

  // Runs chunk(context, c) for every c in [0, chunks), 1 <= chunks <= kMaxThreads, and
  // returns when all have finished; then rethrows the exception of the lowest chunk that
  // threw. One caller at a time.
  void run(int64_t chunks, Chunk chunk, void* context);

  // True on a pool's worker thread, and on the thread inside run(): a loop started there
  // must run on that thread alone.
  static bool inside_loop();

 private:
  bool claim(uint32_t generation, int64_t* c);
  void run_chunk(int64_t c);
  void finish_chunk();
  void work();

  const int64_t spin_ns_;
  std::vector<std::thread> workers_;

  // The loop being run, written by run() before it publishes claim_.
  Chunk chunk_ = nullptr;
  void* context_ = nullptr;
  std::mutex error_mutex_;
  std::exception_ptr error_;  // of chunk error_chunk_
  int64_t error_chunk_ = 0;

  // The loop's number (32 bits) | its chunk count (16) | the next unclaimed chunk (16).
  alignas(64) std::atomic<uint64_t> claim_{0};
  // The loop's number again, 32 bits for the futex the workers sleep on.
  alignas(64) std::atomic<uint32_t> generation_{0};
  std::atomic<uint32_t> sleeping_workers_{0};
  std::atomic<bool> stopping_{false};
  // Chunks not finished yet; the caller sleeps on it.
  alignas(64) std::atomic<uint32_t> pending_{0};
  std::atomic<uint32_t> caller_sleeping_{0};
};

}  // namespace ember
