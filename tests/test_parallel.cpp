// parallel_for on ember's thread pool: the same chunks as a serial loop for every thread
// count, exceptions carried to the caller, nested and concurrent loops, resizing, and idle
// workers that sleep instead of spinning.
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <ember/tensor/internal/thread_pool.h>

#include "testing.h"

namespace ember {
namespace {

using Chunks = std::vector<std::pair<int64_t, int64_t>>;

// The chunks parallel_for promises: a function of n, grain and the thread count only.
Chunks expected_chunks(int64_t n, int64_t grain, int threads) {
  if (n <= 0) return {};
  if (n <= grain || threads <= 1) return {{0, n}};
  const int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, threads);
  const int64_t per_chunk = (n + chunks - 1) / chunks;
  Chunks out;
  for (int64_t begin = 0; begin < n; begin += per_chunk)
    out.push_back({begin, std::min(n, begin + per_chunk)});
  return out;
}

// The chunks one parallel_for call ran, in order of their start.
Chunks chunks_run(int64_t n, int64_t grain) {
  std::mutex mutex;
  Chunks seen;
  parallel_for(n, grain, [&](int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back({begin, end});
  });
  std::sort(seen.begin(), seen.end());
  return seen;
}

// Restores the thread count a test changed.
struct ThreadCount {
  int saved = get_num_threads();
  explicit ThreadCount(int n) { set_num_threads(n); }
  ~ThreadCount() { set_num_threads(saved); }
};

// Process CPU time (all threads), seconds.
double cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

TEST(Parallel, SameChunksAsTheSerialLoopForEveryThreadCount) {
  for (int threads : {1, 2, 3, 4, 7, 16}) {
    ThreadCount count(threads);
    for (int64_t n : {0, 1, 2, 3, 5, 17, 100, 1000, 4097})
      for (int64_t grain : {1, 2, 7, 64, 1000, 5000})
        EXPECT_EQ(chunks_run(n, grain), expected_chunks(n, grain, threads))
            << "threads " << threads << " n " << n << " grain " << grain;
  }
}

TEST(Parallel, ResultsEqualASerialLoop) {
  // Per-chunk float sums added in chunk order: the same bits as the serial chunked sum.
  const int64_t n = 100003;
  std::vector<float> x(n);
  for (int64_t i = 0; i < n; ++i) x[size_t(i)] = float(i % 97) * 0.37f - 11.0f;
  for (int threads : {1, 2, 3, 8}) {
    ThreadCount count(threads);
    const Chunks chunks = expected_chunks(n, 1000, threads);
    std::vector<float> serial(chunks.size(), 0.0f), parallel(chunks.size(), 0.0f);
    for (size_t c = 0; c < chunks.size(); ++c)
      for (int64_t i = chunks[c].first; i < chunks[c].second; ++i) serial[c] += x[size_t(i)];
    std::vector<float> squares(n, 0.0f);
    parallel_for(n, 1000, [&](int64_t begin, int64_t end) {
      const size_t c = size_t(begin / chunks[0].second);
      for (int64_t i = begin; i < end; ++i) {
        parallel[c] += x[size_t(i)];
        squares[size_t(i)] = x[size_t(i)] * x[size_t(i)];
      }
    });
    EXPECT_EQ(parallel, serial) << threads << " threads";
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(squares[size_t(i)], x[size_t(i)] * x[size_t(i)]) << i;
  }
}

TEST(Parallel, ExceptionOfTheLowestChunkReachesTheCaller) {
  ThreadCount count(4);
  for (int repeat = 0; repeat < 50; ++repeat) {
    std::atomic<int> ran{0};
    EXPECT_EMBER_ERROR(parallel_for(4, 1,
                                    [&](int64_t begin, int64_t) {
                                      if (begin == 1 || begin == 3)
                                        EMBER_CHECK(false, "chunk ", begin, " failed");
                                      ran.fetch_add(1);
                                    }),
                       "chunk 1 failed");
    EXPECT_EQ(ran.load(), 2);  // every other chunk still ran
  }
  // Thrown on the calling thread's own chunk, and not an ember::Error.
  EXPECT_THROW(parallel_for(4, 1,
                            [&](int64_t begin, int64_t) {
                              if (begin == 0) throw std::runtime_error("zero");
                            }),
               std::runtime_error);
  // The pool is still usable.
  EXPECT_EQ(chunks_run(400, 1), expected_chunks(400, 1, 4));
}

TEST(Parallel, NestedLoopsRunOnTheirThread) {
  ThreadCount count(4);
  std::vector<int64_t> sums(8, 0);
  parallel_for(8, 1, [&](int64_t begin, int64_t end) {
    for (int64_t outer = begin; outer < end; ++outer) {
      // Inner loops on this thread, in its chunks' order: no deadlock, the same chunks.
      EXPECT_EQ(chunks_run(1000, 10), expected_chunks(1000, 10, 4));
      std::vector<int64_t> part(4, 0);
      parallel_for(1000, 10, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) part[size_t(b / 250)] += i;
      });
      for (int64_t p : part) sums[size_t(outer)] += p;
    }
  });
  for (int64_t s : sums) EXPECT_EQ(s, 999 * 1000 / 2);
}

TEST(Parallel, ConcurrentCallersFromSeveralThreads) {
  ThreadCount count(3);
  std::vector<std::thread> callers;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int loop = 0; loop < 200; ++loop) {
        const int64_t n = 500 + 37 * t + loop;
        std::vector<int64_t> out(size_t(n), -1);
        parallel_for(n, 16, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) out[size_t(i)] = i * t;
        });
        for (int64_t i = 0; i < n; ++i) failures[size_t(t)] += out[size_t(i)] != i * t;
        failures[size_t(t)] += chunks_run(n, 16) != expected_chunks(n, 16, 3);
      }
    });
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(Parallel, ResizesAndCountsTheAffinityMask) {
  {
    ThreadCount count(1);
    for (int threads : {2, 5, 1, 3, 2}) {
      set_num_threads(threads);
      EXPECT_EQ(get_num_threads(), threads);
      EXPECT_EQ(chunks_run(1000, 1), expected_chunks(1000, 1, threads)) << threads;
    }
  }
  if (!std::getenv("OMP_NUM_THREADS")) {
    cpu_set_t mask;
    ASSERT_EQ(sched_getaffinity(0, sizeof(mask), &mask), 0);
    ThreadCount count(0);
    EXPECT_EQ(get_num_threads(), CPU_COUNT(&mask));
  }
  EXPECT_EMBER_ERROR(set_num_threads(5000), "set_num_threads: at most 4096 threads, got 5000");
}

TEST(Parallel, IdleWorkersTakeNoCpu) {
  ThreadCount count(4);
  std::vector<double> x(1 << 16, 1.0);
  for (int loop = 0; loop < 200; ++loop)
    parallel_for(int64_t(x.size()), 1024, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) x[size_t(i)] = x[size_t(i)] * 1.000001 + 0.5;
    });
  // Three workers that spun through the sleep would use 600 ms; sleeping ones ~0.
  const double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const double used = cpu_seconds() - before;
  EXPECT_LT(used, 0.02) << "CPU seconds used by an idle pool in 200 ms";
}

TEST(Parallel, ForkedChildRunsItsLoopsAlone) {
  ThreadCount count(3);
  EXPECT_EQ(chunks_run(300, 1), expected_chunks(300, 1, 3));  // the pool is running
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // the workers did not come along: the chunks run on this thread
    const bool same = chunks_run(300, 1) == expected_chunks(300, 1, 3);
    _exit(same ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The pool itself, sleeping at once (no spin): every wake-up goes through the futexes.
TEST(ThreadPool, NoSpinWakesEveryLoop) {
  ThreadPool pool(4, 0);
  struct Context {
    std::vector<std::atomic<int>> hits = std::vector<std::atomic<int>>(4);
  } context;
  for (int loop = 0; loop < 2000; ++loop) {
    const int64_t chunks = 1 + loop % 4;
    pool.run(
        chunks, [](void* p, int64_t c) { static_cast<Context*>(p)->hits[size_t(c)].fetch_add(1); },
        &context);
    if (loop % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  EXPECT_EQ(context.hits[0].load(), 2000);
  EXPECT_EQ(context.hits[1].load(), 1500);
  EXPECT_EQ(context.hits[2].load(), 1000);
  EXPECT_EQ(context.hits[3].load(), 500);
}

}  // namespace
}  // namespace ember
