// Trainer: one training run of a Model, with an explicit lifecycle that the CLI, the studio
// and (later) MPI workers drive the same way.
//
//   auto trainer = Trainer::create(model, options);  // prepare: everything but the steps
//   while (!(*trainer)->done()) (*trainer)->step();   // or runEpoch(), from one thread
//   auto result = (*trainer)->finish();               // test split, run.json "completed"
//
// create() analyses the graph once, loads the data through its DatasetKind, creates the
// parameters, optimizer and schedule, compiles the training plan (evaluation plans are
// compiled on first use, one per batch size, from the same analysis), creates the run
// directory and, with TrainOptions::resume, restores the last checkpoint. step() is one
// optimizer step; the step that ends an epoch also validates, reports the epoch and writes
// the epoch's checkpoint.
//
// Threads. step(), runEpoch(), run() and finish() belong to one training thread (any
// thread, but one at a time). pause(), resume(), stop(), requestCheckpoint(), status() and
// position() may be called from any thread at any time. Progress and metrics reach other
// threads through the callbacks in TrainOptions (called on the training thread) or through
// a TrainEventQueue (train_events.h). No Qt: the studio wraps these in its own signals.
//
// Determinism: the sample order of an epoch is a function of (seed, epoch); dropout masks
// of (seed, epoch, step, node); augmentation of (seed, epoch, sample). A checkpoint holds
// parameters, optimizer state and TrainerState, so a run resumed from it produces weights
// byte-identical to an uninterrupted run (same ISA and thread count), however it was
// interrupted: stop(), --max-steps, a signal, or kill -9 after a periodic checkpoint.
//
// Divergence: the loss of every step is checked for NaN/Inf, and so are the parameters after
// the optimizer step of every step that writes a checkpoint or ends the run (the last one
// included) and, between those, of every step for models up to 2^20 parameters (every
// ceil(n / 2^20) steps above, which bounds the scan's cost; see trainer.cpp). The error names
// the first node at fault, the run's status becomes Diverged, and nothing is saved from that
// step on (no checkpoint, no trained model, run.json says "diverged").
//
// Run directory (docs/runs.md): model.loom (exact model trained), run.json (hyper-
// parameters, seed, data, host, status, per-epoch metrics), checkpoints/last.ckpt.
// The caller saves trained.loom (the CLI does) from trainedModel() after finish().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/status.h"
#include "engine/graph/model.h"
#include "engine/train/train_events.h"
#include "engine/train/train_metrics.h"

namespace loom {

class Communicator;

struct TrainOptions {
  std::string runDir;                     ///< created if missing
  bool resume = false;                    ///< continue from runDir/checkpoints/last.ckpt
  std::int64_t checkpointEverySteps = 0;  ///< 0: only at the end of every epoch (and on stop)
  bool evaluateTest = true;   ///< report on the test split at the end (kinds that have one)
  std::int64_t maxSteps = 0;  ///< stop after this many global steps (0 = no limit)
  bool profile = false;       ///< time every node and loop phase (TrainResult)
  /// Backends in priority order (the reference backend is always the last fallback).
  /// Empty: defaultBackends(training.device). Shared by the training and evaluation plans.
  std::vector<std::shared_ptr<Backend>> backends;
  /// Data-parallel ranks (engine/dist/communicator.h; docs/distributed.md). Null: one
  /// process. With N ranks, training.batch_size is the per-rank batch (global batch N times
  /// it): rank r trains on the r-th slice of every global step of the epoch's seeded order,
  /// gradients are averaged in training.allreduce_bucket_kib buckets, parameters start from
  /// rank 0's, and only rank 0 writes the run directory (model.loom, run.json with
  /// world_size, events, checkpoints), validates and evaluates the test split. Every rank
  /// reads the checkpoint to resume from (same machine or shared file system).
  std::shared_ptr<Communicator> communicator;
  /// Writes this rank's Chrome trace of the run's phases there (engine/dist/timeline.h):
  /// the path itself for one process, with ".rankR" before the extension for rank R of a
  /// data-parallel run. Empty: none.
  std::string timelinePath;
  /// Set to stop at the next step boundary, as stop() does (for signal handlers, which may
  /// only touch an atomic). Read by the training thread between steps.
  const std::atomic<bool>* cancel = nullptr;
  std::atomic<bool>* checkpointNow =
      nullptr;  ///< set to request a checkpoint; cleared when written
  /// Called on the training thread after every step and evaluation batch.
  std::function<void(const TrainProgress&)> onProgress;
  std::function<void(const EpochMetrics&)> onEpoch;
  std::function<void(const std::string&)> onMessage;  ///< warnings and notes
  /// Called on the thread that changed the status (the training thread).
  std::function<void(TrainStatus, const std::string&)> onStatus;
  /// Receives every event above as well (progress at most ~10 per second per phase, plus
  /// each phase's last batch). Null: none.
  std::shared_ptr<TrainEventQueue> events;
};

/// Where a run stands, as seen from any thread (a consistent snapshot).
struct TrainerPosition {
  std::int64_t epoch = 0;  ///< 0-based epoch in progress or next to start (== epochs when done)
  std::int64_t epochs = 0;
  std::int64_t stepInEpoch = 0;  ///< steps of `epoch` done
  std::int64_t stepsPerEpoch = 0;
  std::int64_t globalStep = 0;  ///< optimizer steps done in the whole run (resumes included)
  std::int64_t totalSteps = 0;  ///< epochs * stepsPerEpoch, or maxSteps if smaller
};

class Trainer {
 public:
  /// Prepares a run of `model` (defaults applied to a copy). Errors: the data set is missing
  /// or does not fit the model, the model or a setting is invalid, the run directory cannot
  /// be created, a checkpoint to resume from is missing, damaged or of another model.
  static Expected<std::unique_ptr<Trainer>> create(const Model& model, TrainOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // ---- the training thread ----

  /// One optimizer step (forward, loss, backward, gradient sync, clipping, update), and the
  /// epoch's end when it is the epoch's last step. Waits first, without spinning, while the
  /// run is paused. If stop() (or TrainOptions::cancel) was requested, writes a checkpoint
  /// instead, sets Stopped and returns Cancelled naming the checkpoint. NonFinite (status
  /// Diverged) names the first node at fault; other errors set Failed. InvalidArgument when
  /// called after done() or after the run has ended.
  Status step();
  /// step() until the current epoch has ended or the run is done.
  Status runEpoch();
  /// step() until done(), then finish().
  Expected<TrainResult> run();
  /// Ends a done() run: evaluates the test split (TrainOptions::evaluateTest, kinds with a
  /// test split), sets Completed and writes run.json. Returns the result (again on later calls).
  Expected<TrainResult> finish();
  /// True when no step is left: every epoch done, max steps reached or early stopping.
  bool done() const { return m_done; }

  /// The model with its current parameters (defaults applied). From the training thread, or
  /// from another one while status() is Paused or final.
  Model trainedModel() const;
  /// Kernel choices of the training plan (which backend got each node and why others declined).
  const std::vector<NodeKernelInfo>& kernelInfo() const;
  /// The graph analysis of the run (at the training batch size), shared by every plan.
  const GraphAnalysis& analysis() const;
  /// Taps every node's activation and gradient of the training plan (TensorTap in plan.h),
  /// called on the training thread. Set it between steps.
  void setTap(TensorTap tap);
  const std::string& checkpointPath() const { return m_checkpointPath; }

  // ---- any thread ----

  /// The training thread waits before its next step until resume() or stop(). Idempotent.
  void pause();
  void resume();
  /// Ends the run at the next step boundary: a checkpoint is written, the status becomes
  /// Stopped; a new Trainer with TrainOptions::resume continues bit-exactly. Wakes a paused run.
  void stop();
  /// A checkpoint after the step in progress (or the next one).
  void requestCheckpoint();
  TrainStatus status() const;
  TrainerPosition position() const;

 private:
  struct Impl;
  explicit Trainer(std::unique_ptr<Impl> impl);

  Status stepUnchecked();
  Status endEpoch(double learningRate);
  Status waitWhilePaused();
  Status stopAtBoundary();
  Status fail(Status error);
  void setStatus(TrainStatus status, const std::string& detail);
  void publishPosition();

  std::unique_ptr<Impl> m_impl;
  std::string m_checkpointPath;
  bool m_done = false;

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_pauseRequested = false;
  bool m_stopRequested = false;
  std::atomic<bool> m_checkpointRequested{false};
  TrainStatus m_status = TrainStatus::Ready;
  TrainerPosition m_position;
};

/// Trains `model` to the end: Trainer::create(), step() until done, finish(). The model's
/// parameters are updated in place (and its defaults applied). Errors as Trainer::create()
/// and Trainer::step(); Cancelled when TrainOptions::cancel stopped it.
Expected<TrainResult> train(Model& model, const TrainOptions& options);

/// Evaluates `model` with its current parameters on the test split of its data set, with
/// the model's thread setting (for the call's duration) and the default backends. Non-finite
/// logits are NonFinite naming the first node that produced them.
Expected<EvalMetrics> evaluate(const Model& model, std::int64_t batchSize,
                               const std::function<void(const TrainProgress&)>& onProgress = {});

/// Loads the parameters stored in a checkpoint into `model` (checks the model hash).
Status loadCheckpointParameters(Model& model, const std::string& checkpointPath);

}  // namespace loom
