// What a fused trainer reports while it runs: TrainProgress, handed to a ProgressCallback
// about ten times a second and once at the end (`ember train` prints it as fastText does).
#pragma once

#include <cstdint>
#include <functional>

#include <ember/models/distributed.h>

namespace ember::models {

// Progress of a run, handed to the callback about ten times a second and once at the end.
struct TrainProgress {
  double fraction = 0;              // of all epochs' words
  int64_t epoch = 0;                // 0-based epoch in progress
  double words_per_sec_thread = 0;  // raw corpus words per second per thread
  double lr = 0;
  double loss = 0;  // mean loss per (input, target) prediction, over recent pairs
  double eta_seconds = 0;
  double elapsed_seconds = 0;
  int64_t ranks = 1;         // processes training the model (models/distributed.h)
  double words_per_sec = 0;  // raw corpus words per second, all threads of all ranks
  SyncStats sync;            // the ranks' syncs so far
};
using ProgressCallback = std::function<void(const TrainProgress&)>;

}  // namespace ember::models
