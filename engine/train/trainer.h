// Trainer: the training loop over a Model, with validation, test report, early stopping,
// atomic checkpoints, bit-exact resume and NaN detection that names the node.
//
// Determinism: the sample order of an epoch is a function of (seed, epoch); dropout masks
// of (seed, epoch, step, node); augmentation of (seed, epoch, sample). A checkpoint holds
// parameters, optimizer state and TrainerState, so a run resumed from it produces weights
// byte-identical to an uninterrupted run (same ISA and thread count).
//
// Run directory (docs/runs.md): model.loom (exact model trained), run.json (hyper-
// parameters, seed, data, host, status, per-epoch metrics), checkpoints/last.ckpt,
// trained.loom (model with final parameters).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/exec/plan.h"
#include "engine/graph/model.h"

namespace loom {

struct TrainProgress {
  enum class Phase { Train, Validate, Test };
  Phase phase = Phase::Train;
  std::int64_t epoch = 0;          ///< 0-based
  std::int64_t epochs = 0;
  std::int64_t step = 0;           ///< steps done in this epoch/phase
  std::int64_t steps = 0;          ///< steps in this epoch/phase
  double loss = 0;                 ///< running mean over the epoch so far
  double accuracy = 0;             ///< running, in [0, 1]
  double samplesPerSecond = 0;     ///< over the last second or so
  double etaSeconds = 0;           ///< for the whole run
  double learningRate = 0;
};

struct EpochMetrics {
  std::int64_t epoch = 0;
  double trainLoss = 0, trainAccuracy = 0;
  double validationLoss = -1, validationAccuracy = -1;  ///< -1 when there is no validation split
  double learningRate = 0;
  double seconds = 0;
  double samplesPerSecond = 0;
};

struct EvalMetrics {
  double loss = 0;
  double accuracy = 0;
  std::vector<std::pair<int, double>> topK;  ///< (k, accuracy)
  std::int64_t samples = 0;
};

struct TrainResult {
  std::vector<EpochMetrics> epochs;
  /// With TrainOptions::profile: per-node kernel times and the loop's phases
  /// ("wait for data", "forward", "loss", "backward", "optimizer"), in seconds.
  std::vector<NodeTiming> nodeTimings;
  std::vector<std::pair<std::string, double>> phaseSeconds;
  EvalMetrics test;
  bool stoppedEarly = false;
  double trainSeconds = 0;
};

struct TrainOptions {
  std::string runDir;                ///< created if missing
  bool resume = false;               ///< continue from runDir/checkpoints/last.ckpt
  std::int64_t checkpointEverySteps = 0;  ///< 0: only at the end of every epoch
  bool evaluateTest = true;          ///< report on the test split at the end
  std::int64_t maxSteps = 0;         ///< stop after this many global steps (0 = no limit)
  bool profile = false;              ///< time every node and loop phase (TrainResult)
  const std::atomic<bool>* cancel = nullptr;     ///< set to stop soon (checkpoint written)
  std::atomic<bool>* checkpointNow = nullptr;  ///< set to request a checkpoint; cleared when written
  /// Called from the training thread, at most ~10 times a second and at phase ends.
  std::function<void(const TrainProgress&)> onProgress;
  std::function<void(const EpochMetrics&)> onEpoch;
  std::function<void(const std::string&)> onMessage;  ///< warnings and notes
};

/// Trains `model` (its parameters are updated in place at the end). Errors: the data set
/// is missing, the model is invalid, a checkpoint does not match, NaN/Inf (names the node).
Expected<TrainResult> train(Model& model, const TrainOptions& options);

/// Evaluates `model` with its current parameters on the test split of its data set.
Expected<EvalMetrics> evaluate(const Model& model, std::int64_t batchSize,
                               const std::function<void(const TrainProgress&)>& onProgress = {});

/// Loads the parameters stored in a checkpoint into `model` (checks the model hash).
Status loadCheckpointParameters(Model& model, const std::string& checkpointPath);

}  // namespace loom
