// What a training run reports: progress while it runs, metrics per epoch and on the test
// split, and the result at the end. Plain data, shared by the callbacks, the event queue
// (train_events.h) and TrainResult.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/exec/plan.h"

namespace loom {

struct TrainProgress {
  enum class Phase { Train, Validate, Test };
  Phase phase = Phase::Train;
  std::int64_t epoch = 0;  ///< 0-based
  std::int64_t epochs = 0;
  std::int64_t step = 0;        ///< steps done in this epoch/phase
  std::int64_t steps = 0;       ///< steps in this epoch/phase
  double loss = 0;              ///< running mean over the epoch so far
  double accuracy = 0;          ///< running, in [0, 1]
  double samplesPerSecond = 0;  ///< over the last second or so
  double etaSeconds = 0;        ///< for the whole run
  double learningRate = 0;
  std::int64_t globalStep = 0;  ///< optimizer steps done in the run (TensorBoard's step)
};

struct EpochMetrics {
  std::int64_t epoch = 0;
  double trainLoss = 0, trainAccuracy = 0;
  double validationLoss = -1, validationAccuracy = -1;  ///< -1 when there is no validation split
  double learningRate = 0;
  double seconds = 0;  ///< time spent training and validating (not paused)
  double samplesPerSecond = 0;
};

struct EvalMetrics {
  double loss = 0;
  double accuracy = 0;
  std::vector<std::pair<int, double>> topK;  ///< (k, accuracy)
  std::int64_t samples = 0;
};

struct TrainResult {
  std::vector<EpochMetrics>
      epochs;  ///< the epochs this Trainer completed (not those before a resume)
  /// With TrainOptions::profile: per-node kernel times and the loop's phases
  /// ("wait for data", "forward", "loss", "backward", "optimizer"), in seconds.
  std::vector<NodeTiming> nodeTimings;
  std::vector<std::pair<std::string, double>> phaseSeconds;
  EvalMetrics test;  ///< samples == 0 when the test split was not evaluated
  bool stoppedEarly = false;
  double trainSeconds = 0;  ///< time spent in steps (not paused)
};

}  // namespace loom
