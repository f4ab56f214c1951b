// A run's state to and from a checkpoint file's contents (internal to engine/train; the file
// format is checkpoint.h): parameters as "param/<name>", optimizer state as
// "optim/<slot>/<parameter>" plus "optim/step_count", and the TrainerState.
#pragma once

#include <string>

#include "engine/core/status.h"
#include "engine/exec/parameters.h"
#include "engine/optim/optimizer.h"
#include "engine/train/checkpoint.h"

namespace loom {

/// The checkpoint contents of a run at `state` (tensors share storage with the run's).
CheckpointData makeCheckpoint(const std::string& modelHash, const TrainerState& state,
                              ParameterSet& params, Optimizer& optimizer);

/// Copies the checkpoint's parameters (and, with `optimizer`, its state) into the run.
/// ModelMismatch names `path`, the tensor and both shapes, or says that the optimizer
/// differs from the one the checkpoint was written with.
Status restoreCheckpoint(const CheckpointData& checkpoint, const std::string& path,
                         ParameterSet& params, Optimizer* optimizer);

/// Checks that a resumed position fits the run (the epoch within [0, epochs], the step
/// within the epoch); DataCorrupt names `path` and the value otherwise.
Status checkResumePosition(const TrainerState& state, const std::string& path, std::int64_t epochs,
                           std::int64_t stepsPerEpoch);

/// Checks that a checkpoint may continue at this run's global batch (`batchSize` per rank ×
/// `worldSize` ranks), whatever rank count wrote it. The position is kept in global steps and
/// in samples of the epoch consumed (TrainerState::epochSamples, summed over every rank), so
/// a checkpoint written at N ranks continues at M ranks exactly where it stopped in the
/// epoch's seeded order as long as the global batch is the same (2 × 32 → 1 × 64 → 4 × 16).
/// A checkpoint taken at an epoch's start fits any global batch. InvalidArgument otherwise,
/// naming `path`, both global batches and the per-rank batch that would fit.
Status checkResumeGlobalBatch(const TrainerState& state, const std::string& path,
                              std::int64_t batchSize, int worldSize);

}  // namespace loom
