// hogwild::run_epochs, the thread runner of the fused CPU trainers: an exception in a worker
// thread reaches the caller as ember::Error once every thread has joined, and a loss that is
// not finite stops the run before the epoch's checkpoint is written.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <new>
#include <stdexcept>
#include <vector>

#include <ember/models/internal/hogwild.h>

#include "testing.h"

namespace ember::models::hogwild {
namespace {

TEST(Hogwild, WorkerExceptionsReachTheCallerAfterAllThreadsJoin) {
  for (int kind = 0; kind < 3; ++kind) {
    std::atomic<int> finished{0};
    std::vector<int64_t> checkpoints;
    auto work = [&](int64_t epoch, int64_t thread) {
      if (epoch == 1 && thread == 2) {
        if (kind == 0) throw std::bad_alloc();
        if (kind == 1) throw std::length_error("vector::_M_default_append");
        EMBER_FAIL("worker 2 failed");
      }
      finished.fetch_add(1);
    };
    auto snapshot = [](int64_t epoch) {
      TrainProgress p;
      p.epoch = epoch;
      return p;
    };
    const char* expected[] = {"out of memory in a worker thread (epoch 2)",
                              "a worker thread failed in epoch 2: vector::_M_default_append",
                              "worker 2 failed"};
    EXPECT_EMBER_ERROR(run_epochs(4, 0, 3, work, snapshot, nullptr,
                                  [&](int64_t epoch) { checkpoints.push_back(epoch); }),
                       expected[kind]);
    EXPECT_EQ(finished.load(), 4 + 3);                // epoch 1's other threads ran to the end
    EXPECT_EQ(checkpoints, std::vector<int64_t>{0});  // none for the failed epoch
  }
}

TEST(Hogwild, NonFiniteLossStopsBeforeTheEpochsCheckpoint) {
  for (double bad : {std::nan(""), double(INFINITY)}) {
    std::vector<int64_t> checkpoints;
    std::atomic<int64_t> epoch_now{0};
    auto work = [&](int64_t epoch, int64_t) { epoch_now = epoch; };
    auto snapshot = [&](int64_t epoch) {
      TrainProgress p;
      p.epoch = epoch;
      p.fraction = double(epoch + 1) / 4;
      p.lr = 0.5;
      p.loss = epoch >= 2 ? bad : 0.7;
      return p;
    };
    int progress_calls = 0;
    EXPECT_EMBER_ERROR(run_epochs(
                           2, 0, 4, work, snapshot, [&](const TrainProgress&) { ++progress_calls; },
                           [&](int64_t epoch) { checkpoints.push_back(epoch); }),
                       "training diverged: the loss is " +
                           std::string(std::isnan(bad) ? "nan" : "inf") +
                           " in epoch 3 of 4 (75% done, lr 0.5); try a lower --lr");
    EXPECT_EQ(checkpoints, (std::vector<int64_t>{0, 1}));  // epoch 2's is not written
  }
}

}  // namespace
}  // namespace ember::models::hogwild
