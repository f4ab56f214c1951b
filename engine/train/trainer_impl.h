// Trainer::Impl, the state of one run, shared by the files that implement Trainer
// (internal to engine/train): trainer.cpp (preparation and accessors), trainer_step.cpp
// (steps, epoch ends, finish) and trainer_control.cpp (pause, resume, stop, status).
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/dist/gradient_sync.h"
#include "engine/dist/timeline.h"
#include "engine/exec/plan.h"
#include "engine/explain/probe.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/train/checkpoint.h"
#include "engine/train/checkpoint_state.h"
#include "engine/train/evaluation.h"
#include "engine/train/event_log.h"
#include "engine/train/finite_check.h"
#include "engine/train/freeze.h"
#include "engine/train/run_log.h"
#include "engine/train/trainer.h"
#include "engine/train/training_data.h"

namespace loom {

namespace trainer_detail {
using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// "epoch 2, step 5" (1-based epoch, steps done in it) for messages.
inline std::string where(const TrainerState& s) {
  return "epoch " + std::to_string(s.epoch + 1) + ", step " + std::to_string(s.stepInEpoch);
}

/// Progress events reach the queue at most this often per phase (plus each phase's end).
inline constexpr auto kQueuedProgressInterval = std::chrono::milliseconds(100);

/// The NaN/Inf scan of the parameters after an optimizer step is a memory-bound pass (about
/// 0.5 ms for the CNN example's 3.3 M parameters, 1.3 % of its step at batch 64 on one
/// thread). Models with more parameters than this are scanned every ceil(n / this) steps
/// instead of every step, which keeps the scan under ~0.4 % of a step; the steps that
/// write a checkpoint or end the run are always scanned, and the loss of every step is
/// checked, so a divergence is caught at its step unless a later node masks it, and nothing
/// non-finite is ever saved.
inline constexpr std::int64_t kParametersCheckedPerStep = std::int64_t{1} << 20;
}  // namespace trainer_detail

struct Trainer::Impl {
  Model model;  ///< defaults applied; parameters as given (the live ones are in `params`)
  TrainOptions options;
  std::vector<std::shared_ptr<Backend>> backends;
  std::shared_ptr<Communicator> comm;  ///< TrainOptions::communicator, or a local one
  std::unique_ptr<GradientSync> sync;  ///< bucketed allreduce over `comm`
  /// training.allreduce_overlap "on" at more than one rank: buckets start during backward.
  bool overlap = false;
  /// Per node name: its parameters' range [first, first + count) in `params` (consecutive,
  /// ParameterSet::create's order), for the overlap's per-node hook.
  std::unordered_map<std::string, std::pair<size_t, size_t>> nodeParams;
  /// The first error the overlap hook met during this backward (the tap cannot return one).
  Status overlapStatus;
  bool writesRunDir = true;  ///< rank 0
  int worldSize = 1;
  bool stopAgreed = false;
  /// This rank's timings of its last step (ms): step, data wait, allreduce; sent to rank 0
  /// with the next step's allreduce, which writes them as workers/ events.
  std::array<double, 3>
      lastHealth{};  ///< some rank asked to stop (agreed in the last step's allreduce)

  std::shared_ptr<const GraphAnalysis> analysis;
  ParameterSet params;
  FrozenSet frozen;  ///< training.freeze_until's nodes; their parameters are not trainable
  std::string hash;
  TrainingData data;
  std::unique_ptr<Optimizer> optimizer;
  std::optional<LearningRateSchedule> schedule;
  Plan plan;
  std::unique_ptr<EvalPlans> evalPlans;
  Tensor diffLogits;
  int threads = 1;
  std::int64_t batchSize = 0;        ///< per rank
  std::int64_t globalBatchSize = 0;  ///< batchSize * worldSize: samples per optimizer step
  std::int64_t stepsPerEpoch = 0;
  std::int64_t scheduleSteps = 0;           ///< epochs * stepsPerEpoch: what the LR schedule spans
  std::int64_t runSteps = 0;                ///< scheduleSteps, or maxSteps if smaller
  std::int64_t parameterCheckInterval = 1;  ///< see kParametersCheckedPerStep

  TrainerState state;
  std::unique_ptr<RunLog> log;
  /// The run's TensorBoard event file (null with training.logging.events "off" or rank > 0).
  std::unique_ptr<TrainingEventLog> eventLog;
  std::unique_ptr<Timeline> timeline;  ///< TrainOptions::timelinePath's (null: none)
  TensorTap userTap;                   ///< Trainer::setTap's, composed with the event log's
  std::optional<Dataset> probeData;    ///< the test split, loaded for the probe batch
  std::vector<std::int64_t> probeIndices;
  /// Explains the probe batch every epoch (attribution_log.h); made on first use.
  std::unique_ptr<ModelProbe> attributionProbe;
  bool attributionFailed = false;  ///< said once, then no more attempts

  // This Trainer's own accounting (a resumed run starts these afresh).
  TrainResult result;
  bool finished = false;
  std::int64_t loaderEpoch = -1;  ///< the epoch the training loader was started on
  std::int64_t epochFirstStep = 0;
  double epochSeconds = 0;
  double activeSeconds = 0;
  trainer_detail::Clock::time_point windowStart;
  std::int64_t windowSamples = 0;
  double rate = 0;
  trainer_detail::Clock::time_point lastQueuedProgress[3];  ///< per TrainProgress::Phase
  struct {
    double data = 0, forward = 0, loss = 0, backward = 0, optimizer = 0;
    double allreduce = 0;  ///< data-parallel gradient averaging (waits for the slowest rank)
  } phases;

  /// The probe batch at the end of an epoch (event log): the first kProbeSamples test images
  /// and what the model predicts for them now (trainer_step.cpp).
  void logProbe();
  /// The probe batch's attribution grid (attribution_log.h) into the event log.
  void logAttributions(const Tensor& x, const std::vector<std::int64_t>& predicted);

  void say(const std::string& message) {
    if (options.onMessage) options.onMessage(message);
    if (options.events) options.events->push({TrainEvent::Kind::Message, {}, {}, {}, message, {}});
  }

  void report(const TrainProgress& p) {
    if (options.onProgress) options.onProgress(p);
    if (!options.events) return;
    auto& last = lastQueuedProgress[static_cast<int>(p.phase)];
    const auto now = trainer_detail::Clock::now();
    if (p.step < p.steps && now - last < trainer_detail::kQueuedProgressInterval) return;
    last = now;
    TrainEvent e;
    e.kind = TrainEvent::Kind::Progress;
    e.progress = p;
    options.events->push(std::move(e));
  }

  /// Writes the checkpoint of `state` (rank 0). Refuses non-finite parameters: a checkpoint
  /// is always one a run can continue from.
  Status saveCheckpoint(const std::string& path) {
    if (!writesRunDir) return Status::ok();
    const auto start = trainer_detail::Clock::now();
    Status st = writeCheckpointNow(path);
    if (timeline)
      timeline->span("checkpoint", "io", start, trainer_detail::Clock::now(), state.globalStep);
    return st;
  }

  /// Sets the plan's tap: the user's (Trainer::setTap), the event log's, and with overlap
  /// the hook that hands each node's final gradients to `sync` (onNodeBackward).
  void installTap() {
    TensorTap base = eventLog ? eventLog->tap(userTap) : userTap;
    if (!overlap) {
      plan.setTap(std::move(base));
      return;
    }
    plan.setTap([this, base = std::move(base)](const std::string& node, const Tensor& value,
                                               bool isGradient) {
      if (base) base(node, value, isGradient);
      if (isGradient) onNodeBackward(node);
    });
  }

  /// After `node`'s backward: its parameters' gradients are final (a node's backward writes
  /// them once, and no other node's writes them), so their buckets may start.
  void onNodeBackward(const std::string& node) {
    if (!overlapStatus.isOk()) return;
    const auto it = nodeParams.find(node);
    const auto [first, count] =
        it == nodeParams.end() ? std::pair<size_t, size_t>{0, 0} : it->second;
    overlapStatus = sync->gradientsReady(params.all(), first, count);
  }

  /// The gradient buckets' allreduce spans of global step `step` in the timeline, on their
  /// own track beside the step's phases ("allreduce bucket K", category comm).
  void traceBuckets(std::int64_t step) {
    if (!timeline) return;
    for (const BucketTiming& b : sync->bucketTimings())
      timeline->span("allreduce bucket " + std::to_string(b.bucket), "comm", b.start, b.end, step,
                     Timeline::kBucketTrack);
  }

  /// Records [start, now) as `name` of global step `step` (1-based: the step it belongs to)
  /// in the timeline, if there is one.
  void trace(const char* name, const char* category, trainer_detail::Clock::time_point start,
             std::int64_t step) {
    if (timeline) timeline->span(name, category, start, trainer_detail::Clock::now(), step);
  }

 private:
  Status writeCheckpointNow(const std::string& path) {
    if (!allFinite(params.all())) {
      const Status at = plan.checkFinite();
      return Status(ErrorCode::NonFinite, "refusing to write checkpoint \"" + path +
                                              "\": the parameters are not finite (" + at.message() +
                                              ")");
    }
    return writeCheckpoint(path, makeCheckpoint(hash, state, params, *optimizer));
  }
};

}  // namespace loom
