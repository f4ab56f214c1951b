// The Trainer's lifecycle (trainer.h): prepare in create(), one optimizer step in step(),
// the epoch's end, stop/pause at step boundaries, and finish(). Data loading, evaluation,
// run.json and checkpoint contents live in their own files beside this one.
#include "engine/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>

#include "engine/core/rng.h"
#include "engine/core/threads.h"
#include "engine/dist/gradient_sync.h"
#include "engine/exec/plan.h"
#include "engine/ops/losses.h"
#include "engine/optim/clip.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/train/checkpoint_state.h"
#include "engine/train/evaluation.h"
#include "engine/train/finite_check.h"
#include "engine/train/run_log.h"
#include "engine/train/training_data.h"
#include "engine/train/training_loss.h"

namespace loom {

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

/// "epoch 2, step 5" (1-based epoch, steps done in it) for messages.
std::string where(const TrainerState& s) {
  return "epoch " + std::to_string(s.epoch + 1) + ", step " + std::to_string(s.stepInEpoch);
}

/// Progress events reach the queue at most this often per phase (plus each phase's end).
constexpr auto kQueuedProgressInterval = std::chrono::milliseconds(100);

/// The NaN/Inf scan of the parameters after an optimizer step is a memory-bound pass (about
/// 0.5 ms for the CNN example's 3.3 M parameters, 1.3 % of its step at batch 64 on one
/// thread). Models with more parameters than this are scanned every ceil(n / this) steps
/// instead of every step, which keeps the scan under ~0.4 % of a step; the steps that
/// write a checkpoint or end the run are always scanned, and the loss of every step is
/// checked, so a divergence is caught at its step unless a later node masks it, and nothing
/// non-finite is ever saved.
constexpr std::int64_t kParametersCheckedPerStep = std::int64_t{1} << 20;
}  // namespace

struct Trainer::Impl {
  Model model;  ///< defaults applied; parameters as given (the live ones are in `params`)
  TrainOptions options;
  std::vector<std::shared_ptr<Backend>> backends;
  std::shared_ptr<GradientSync> sync;
  bool writesRunDir = true;  ///< rank 0

  std::shared_ptr<const GraphAnalysis> analysis;
  ParameterSet params;
  std::string hash;
  TrainingData data;
  std::unique_ptr<Optimizer> optimizer;
  std::optional<LearningRateSchedule> schedule;
  Plan plan;
  std::unique_ptr<EvalPlans> evalPlans;
  Tensor diffLogits;
  int threads = 1;
  std::int64_t batchSize = 0;
  std::int64_t stepsPerEpoch = 0;
  std::int64_t scheduleSteps = 0;           ///< epochs * stepsPerEpoch: what the LR schedule spans
  std::int64_t runSteps = 0;                ///< scheduleSteps, or maxSteps if smaller
  std::int64_t parameterCheckInterval = 1;  ///< see kParametersCheckedPerStep

  TrainerState state;
  std::unique_ptr<RunLog> log;

  // This Trainer's own accounting (a resumed run starts these afresh).
  TrainResult result;
  bool finished = false;
  std::int64_t loaderEpoch = -1;  ///< the epoch the training loader was started on
  std::int64_t epochFirstStep = 0;
  double epochSeconds = 0;
  double activeSeconds = 0;
  Clock::time_point windowStart;
  std::int64_t windowSamples = 0;
  double rate = 0;
  Clock::time_point lastQueuedProgress[3];  ///< per TrainProgress::Phase
  struct {
    double data = 0, forward = 0, loss = 0, backward = 0, optimizer = 0;
  } phases;

  void say(const std::string& message) {
    if (options.onMessage) options.onMessage(message);
    if (options.events) options.events->push({TrainEvent::Kind::Message, {}, {}, {}, message, {}});
  }

  void report(const TrainProgress& p) {
    if (options.onProgress) options.onProgress(p);
    if (!options.events) return;
    auto& last = lastQueuedProgress[static_cast<int>(p.phase)];
    const auto now = Clock::now();
    if (p.step < p.steps && now - last < kQueuedProgressInterval) return;
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
    if (!allFinite(params.all())) {
      const Status at = plan.checkFinite();
      return Status(ErrorCode::NonFinite, "refusing to write checkpoint \"" + path +
                                              "\": the parameters are not finite (" + at.message() +
                                              ")");
    }
    return writeCheckpoint(path, makeCheckpoint(hash, state, params, *optimizer));
  }
};

Trainer::Trainer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Trainer::~Trainer() = default;

Expected<std::unique_ptr<Trainer>> Trainer::create(const Model& modelIn, TrainOptions options) {
  auto im = std::make_unique<Impl>();
  Impl& r = *im;
  r.model = modelIn;
  applyDefaults(r.model);
  r.options = std::move(options);
  const TrainOptions& opt = r.options;
  r.threads = resolveComputeThreads(r.model.training.threads());
  ScopedComputeThreads threads(r.threads);  // preparation may run on another thread than the steps
  r.backends = opt.backends.empty() ? defaultBackends() : opt.backends;
  std::vector<Backend*> backends;
  for (const auto& b : r.backends) backends.push_back(b.get());
  r.sync =
      opt.gradientSync ? opt.gradientSync : std::shared_ptr<GradientSync>(makeLocalGradientSync());
  r.writesRunDir = r.sync->rank() == 0;
  r.batchSize = r.model.training.batch_size();

  // Model and parameters: the graph is analysed here, once, for every plan of the run.
  r.analysis = std::make_shared<const GraphAnalysis>(
      analyzeGraph(r.model.graph, OpRegistry::global(), r.batchSize));
  LOOM_RETURN_IF_ERROR(r.analysis->status);
  LOOM_ASSIGN_OR_RETURN(r.params,
                        ParameterSet::create(r.model.graph, *r.analysis, r.model.parameters,
                                             r.model.training.seed()));
  r.hash = modelStructureHash(r.model);
  LOOM_ASSIGN_OR_RETURN(r.optimizer, createOptimizer(r.model.training.optimizer()));
  LOOM_RETURN_IF_ERROR(r.optimizer->initializeState(r.params.all()));

  // Resume: the checkpoint is read before the data, because its seed orders the data.
  const fs::path runDir(opt.runDir);
  const std::string checkpointPath = (runDir / "checkpoints" / "last.ckpt").string();
  r.state.seed = r.model.training.seed();
  r.state.threads = r.threads;
  r.state.bestValidationLoss = INFINITY;
  if (opt.resume) {
    LOOM_ASSIGN_OR_RETURN(CheckpointData ck, readCheckpoint(checkpointPath, r.hash));
    LOOM_RETURN_IF_ERROR(restoreCheckpoint(ck, checkpointPath, r.params, r.optimizer.get()));
    r.state = ck.state;
    if (r.state.seed != r.model.training.seed()) {
      r.say("note: the checkpoint was written with seed " + std::to_string(r.state.seed) +
            "; continuing with it");
      r.model.training.set_seed(r.state.seed);
    }
    if (r.state.threads != r.threads)
      r.say("warning: the checkpoint was written with " + std::to_string(r.state.threads) +
            " threads, this run uses " + std::to_string(r.threads) +
            "; results will not be bit-identical to an uninterrupted run");
  }

  LOOM_ASSIGN_OR_RETURN(r.data, loadTrainingData(r.model, *r.analysis));
  const pb::TrainingConfig& tc = r.model.training;
  LOOM_ASSIGN_OR_RETURN(
      r.schedule, LearningRateSchedule::create(tc.schedule(), baseLearningRate(tc.optimizer())));
  r.stepsPerEpoch = r.data.train->stepsPerEpoch();
  r.scheduleSteps = r.stepsPerEpoch * tc.epochs();
  r.runSteps = opt.maxSteps > 0 ? std::min(opt.maxSteps, r.scheduleSteps) : r.scheduleSteps;
  std::int64_t parameterCount = 0;
  for (const Parameter& p : r.params.all()) parameterCount += p.value.numel();
  r.parameterCheckInterval = std::max<std::int64_t>(
      1, (parameterCount + kParametersCheckedPerStep - 1) / kParametersCheckedPerStep);
  if (opt.resume) {
    LOOM_RETURN_IF_ERROR(
        checkResumePosition(r.state, checkpointPath, tc.epochs(), r.stepsPerEpoch));
    r.say("resuming from " + checkpointPath + " at " + where(r.state) + " (global step " +
          std::to_string(r.state.globalStep) + ")");
  }

  PlanOptions po;
  po.batch = r.batchSize;
  po.training = true;
  po.backends = backends;
  po.analysis = r.analysis;
  LOOM_ASSIGN_OR_RETURN(r.plan, Plan::compile(r.model.graph, r.params, po));
  r.plan.setProfiling(opt.profile);
  r.evalPlans =
      std::make_unique<EvalPlans>(r.model.graph, r.params, r.analysis, r.batchSize, backends);
  r.diffLogits = Tensor(Dims{r.batchSize, r.data.classes});
  LOOM_RETURN_IF_ERROR(r.sync->broadcastParameters(r.params.all()));

  // Run directory.
  if (r.writesRunDir) {
    std::error_code ec;
    fs::create_directories(runDir / "checkpoints", ec);
    if (ec) return ioError("cannot create run directory \"" + opt.runDir + "\": " + ec.message());
    if (!opt.resume) LOOM_RETURN_IF_ERROR(saveModel(r.model, (runDir / "model.loom").string()));
  }
  r.log = std::make_unique<RunLog>((runDir / "run.json").string(), r.writesRunDir);
  RunDescription d;
  d.model = r.model.name;
  d.modelHash = r.hash;
  d.threads = r.threads;
  d.seed = r.state.seed;
  d.batchSize = r.batchSize;
  d.epochs = tc.epochs();
  d.optimizer = tc.optimizer().type();
  d.learningRate = baseLearningRate(tc.optimizer());
  d.datasetKind = r.data.kind->name;
  d.datasetSource = r.data.dataset.source;
  d.samples = r.data.samples;
  d.dataFingerprint = dataFingerprint(r.data.dataset);
  d.backends = backendNames(r.backends);
  LOOM_RETURN_IF_ERROR(r.log->start(d, opt.resume ? r.state.epoch : -1));

  std::unique_ptr<Trainer> trainer(new Trainer(std::move(im)));
  trainer->m_checkpointPath = checkpointPath;
  const TrainerState& s = trainer->m_impl->state;
  trainer->m_done = s.epoch >= tc.epochs() || (opt.maxSteps > 0 && s.globalStep >= opt.maxSteps);
  trainer->publishPosition();
  return trainer;
}

// ---- the training thread ----

Status Trainer::step() {
  const TrainStatus now = status();
  if (isFinal(now))
    return invalidArgument(std::string("the training run has ended (") + trainStatusName(now) +
                           "); no step is left");
  if (m_done) return invalidArgument("every step of the training run is done; finish() ends it");
  LOOM_RETURN_IF_ERROR(waitWhilePaused());
  bool stopping = false;
  {
    std::lock_guard lock(m_mutex);
    if (m_impl->options.cancel && m_impl->options.cancel->load()) m_stopRequested = true;
    stopping = m_stopRequested;
  }
  if (stopping) return stopAtBoundary();
  if (status() != TrainStatus::Running) setStatus(TrainStatus::Running, "");
  const auto start = Clock::now();
  Status st = stepUnchecked();
  m_impl->activeSeconds += secondsSince(start);
  if (!st) return fail(std::move(st));
  publishPosition();
  return Status::ok();
}

Status Trainer::stepUnchecked() {
  Impl& r = *m_impl;
  TrainerState& s = r.state;
  const pb::TrainingConfig& tc = r.model.training;
  const TrainOptions& opt = r.options;
  const auto stepStart = Clock::now();
  setComputeThreads(r.threads);  // OpenMP keeps the team per thread: set it on the one that steps
  if (r.loaderEpoch != s.epoch) {
    LOOM_RETURN_IF_ERROR(r.data.train->startEpoch(s.epoch, s.stepInEpoch));
    r.loaderEpoch = s.epoch;
    r.epochFirstStep = s.stepInEpoch;
    r.epochSeconds = 0;
    r.windowStart = stepStart;
    r.windowSamples = 0;
    r.rate = 0;
  }
  auto t = stepStart;
  auto lap = [&](double& acc) {
    if (!opt.profile) return;
    const auto now = Clock::now();
    acc += std::chrono::duration<double>(now - t).count();
    t = now;
  };
  const std::int64_t epoch = s.epoch, step = s.stepInEpoch;
  auto batch = r.data.train->next();
  lap(r.phases.data);
  if (!batch) return internalError("the data loader ended early at step " + std::to_string(step));
  const double lr = r.schedule->learningRateAt(s.globalStep, r.stepsPerEpoch, r.scheduleSteps);
  const std::uint64_t key =
      rngKey(s.seed, {static_cast<std::uint64_t>(RngPurpose::Dropout),
                      static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(step)});
  LOOM_RETURN_IF_ERROR(r.plan.forward({{r.data.input, &batch->x}}, true, key));
  lap(r.phases.forward);
  const Tensor& logits = r.plan.output();
  LOOM_ASSIGN_OR_RETURN(double loss, computeLoss(tc.loss(), logits, batch->y, &r.diffLogits));
  lap(r.phases.loss);
  const std::string at = "training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                         std::to_string(step + 1);
  if (!std::isfinite(loss)) {
    const Status cause = r.plan.checkFinite();
    return Status(ErrorCode::NonFinite,
                  at + " (loss is " + (std::isnan(loss) ? "NaN" : "Inf") + ", learning rate " +
                      formatNumber(lr) +
                      "): " + (cause.isOk() ? "the loss itself overflowed" : cause.message()));
  }
  LOOM_RETURN_IF_ERROR(r.plan.backward(r.diffLogits));
  lap(r.phases.backward);
  LOOM_RETURN_IF_ERROR(r.sync->allreduceMean(r.params.all()));
  if (tc.clip_grad_norm() > 0)
    LOOM_RETURN_IF_ERROR(clipGradNorm(r.params.all(), tc.clip_grad_norm()).status());
  LOOM_RETURN_IF_ERROR(r.optimizer->step(r.params.all(), lr));
  // What this step ends with decides whether the parameters must be checked now.
  const std::int64_t doneSteps = s.globalStep + 1;
  const bool endsEpoch = step + 1 == r.stepsPerEpoch;
  const bool limit = opt.maxSteps > 0 && doneSteps >= opt.maxSteps;
  const bool periodic = opt.checkpointEverySteps > 0 && doneSteps % opt.checkpointEverySteps == 0;
  // exchange(): a request is served once, however long the flag stays visible.
  const bool requested = m_checkpointRequested.exchange(false) |
                         (opt.checkpointNow && opt.checkpointNow->exchange(false));
  const bool saves = endsEpoch || limit || periodic || requested;
  if ((saves || doneSteps % r.parameterCheckInterval == 0) && !allFinite(r.params.all())) {
    const Status cause = r.plan.checkFinite();
    return Status(ErrorCode::NonFinite, at + ": the optimizer step (learning rate " +
                                            formatNumber(lr) + ") left non-finite parameters: " +
                                            (cause.isOk() ? "a parameter" : cause.message()));
  }
  lap(r.phases.optimizer);

  ++s.globalStep;
  ++s.stepInEpoch;
  s.epochLossSum += loss * static_cast<double>(r.batchSize);
  LOOM_ASSIGN_OR_RETURN(std::int64_t top1, countTopKCorrect(logits, batch->y, 1));
  s.epochCorrect += top1;
  s.epochSamples += r.batchSize;
  r.windowSamples += r.batchSize;
  const double windowSeconds = secondsSince(r.windowStart);
  if (windowSeconds >= 1.0 || r.rate == 0) {
    r.rate = static_cast<double>(r.windowSamples) / std::max(1e-9, windowSeconds);
    r.windowStart = Clock::now();
    r.windowSamples = 0;
  }
  TrainProgress p;
  p.epoch = epoch;
  p.epochs = tc.epochs();
  p.step = s.stepInEpoch;
  p.steps = r.stepsPerEpoch;
  p.loss = s.epochLossSum / static_cast<double>(s.epochSamples);
  p.accuracy = static_cast<double>(s.epochCorrect) / static_cast<double>(s.epochSamples);
  p.samplesPerSecond = r.rate;
  p.etaSeconds =
      static_cast<double>((r.runSteps - s.globalStep) * r.batchSize) / std::max(1.0, r.rate);
  p.learningRate = lr;
  p.globalStep = s.globalStep;
  r.report(p);
  r.epochSeconds += secondsSince(stepStart);

  if (endsEpoch) {
    LOOM_RETURN_IF_ERROR(endEpoch(lr));  // writes the epoch's checkpoint
  } else if (saves) {
    LOOM_RETURN_IF_ERROR(r.saveCheckpoint(m_checkpointPath));
  }
  if (limit) m_done = true;
  return Status::ok();
}

Status Trainer::endEpoch(double learningRate) {
  Impl& r = *m_impl;
  TrainerState& s = r.state;
  const pb::TrainingConfig& tc = r.model.training;
  EpochMetrics em;
  em.epoch = s.epoch;
  em.trainLoss = s.epochLossSum / static_cast<double>(std::max<std::int64_t>(1, s.epochSamples));
  em.trainAccuracy = static_cast<double>(s.epochCorrect) /
                     static_cast<double>(std::max<std::int64_t>(1, s.epochSamples));
  em.learningRate = learningRate;
  em.seconds = r.epochSeconds;
  em.samplesPerSecond = static_cast<double>((r.stepsPerEpoch - r.epochFirstStep) * r.batchSize) /
                        std::max(1e-9, em.seconds);
  if (r.data.validation) {
    LOOM_ASSIGN_OR_RETURN(EvalMetrics v,
                          runEvaluation(r.model, *r.evalPlans, r.data.input, *r.data.validation,
                                        TrainProgress::Phase::Validate, s.epoch,
                                        [&](const TrainProgress& p) { r.report(p); }));
    em.validationLoss = v.loss;
    em.validationAccuracy = v.accuracy;
    if (v.loss < s.bestValidationLoss) {
      s.bestValidationLoss = v.loss;
      s.epochsWithoutImprovement = 0;
    } else {
      ++s.epochsWithoutImprovement;
    }
  }
  r.result.epochs.push_back(em);
  if (r.options.onEpoch) r.options.onEpoch(em);
  if (r.options.events) r.options.events->push({TrainEvent::Kind::Epoch, {}, em, {}, {}, {}});
  r.log->addEpoch(em);
  // The epoch is complete: the checkpoint points at the start of the next one.
  s.stepInEpoch = 0;
  s.epochLossSum = 0;
  s.epochCorrect = 0;
  s.epochSamples = 0;
  ++s.epoch;
  LOOM_RETURN_IF_ERROR(r.saveCheckpoint(m_checkpointPath));
  r.log->setStatus(TrainStatus::Running, s.globalStep, "");
  LOOM_RETURN_IF_ERROR(r.log->save());
  if (tc.early_stopping_patience() > 0 && r.data.validation &&
      s.epochsWithoutImprovement >= tc.early_stopping_patience()) {
    r.result.stoppedEarly = true;
    m_done = true;
  }
  if (s.epoch >= tc.epochs()) m_done = true;
  return Status::ok();
}

Status Trainer::runEpoch() {
  const std::int64_t epoch = m_impl->state.epoch;
  while (!m_done && m_impl->state.epoch == epoch) LOOM_RETURN_IF_ERROR(step());
  return Status::ok();
}

Expected<TrainResult> Trainer::run() {
  while (!m_done) LOOM_RETURN_IF_ERROR(step());
  return finish();
}

Expected<TrainResult> Trainer::finish() {
  Impl& r = *m_impl;
  if (r.finished) return r.result;
  const TrainStatus now = status();
  if (isFinal(now))
    return invalidArgument(std::string("the training run has ended (") + trainStatusName(now) +
                           ")");
  if (!m_done)
    return invalidArgument("the training run has steps left (global step " +
                           std::to_string(r.state.globalStep) + " of " +
                           std::to_string(r.runSteps) + ")");
  ScopedComputeThreads threads(r.threads);
  if (!allFinite(r.params.all()))
    return fail(Status(ErrorCode::NonFinite,
                       "the trained parameters are not finite: " + r.plan.checkFinite().message()));
  r.result.trainSeconds = r.activeSeconds;
  if (r.options.profile) {
    r.result.nodeTimings = r.plan.timings();
    r.result.phaseSeconds = {{"wait for data", r.phases.data},
                             {"forward", r.phases.forward},
                             {"loss", r.phases.loss},
                             {"backward", r.phases.backward},
                             {"optimizer", r.phases.optimizer}};
  }
  if (r.options.evaluateTest && r.data.kind->hasTestSplit) {
    auto test = loadTestData(r.model, *r.analysis);
    if (!test) return fail(test.status());
    auto m = evaluateTestSplit(r.model, *test, r.data.input, *r.evalPlans, r.data.evalOptions,
                               r.state.epoch, [&](const TrainProgress& p) { r.report(p); });
    if (!m) return fail(m.status());
    r.result.test = *m;
    r.log->setTest(*m);
    if (r.options.events) r.options.events->push({TrainEvent::Kind::Test, {}, {}, *m, {}, {}});
  }
  r.log->setTrainSeconds(r.result.trainSeconds);
  r.finished = true;
  setStatus(TrainStatus::Completed, "");
  return r.result;
}

Model Trainer::trainedModel() const {
  Model m = m_impl->model;
  m.parameters = m_impl->params.values();
  return m;
}

const std::vector<NodeKernelInfo>& Trainer::kernelInfo() const {
  return m_impl->plan.kernelInfo();
}
const GraphAnalysis& Trainer::analysis() const {
  return *m_impl->analysis;
}
void Trainer::setTap(TensorTap tap) {
  m_impl->plan.setTap(std::move(tap));
}

Status Trainer::waitWhilePaused() {
  const std::atomic<bool>* cancel = m_impl->options.cancel;
  std::unique_lock lock(m_mutex);
  if (!m_pauseRequested || m_stopRequested) return Status::ok();
  lock.unlock();
  setStatus(TrainStatus::Paused, "");
  lock.lock();
  while (m_pauseRequested && !m_stopRequested) {
    if (!cancel) {
      m_wake.wait(lock);
      continue;
    }
    // A signal handler can only set the atomic, not notify: look at it a few times a second.
    m_wake.wait_for(lock, std::chrono::milliseconds(100));
    if (cancel->load()) m_stopRequested = true;
  }
  const bool stopping = m_stopRequested;
  lock.unlock();
  if (!stopping) setStatus(TrainStatus::Running, "");
  return Status::ok();
}

Status Trainer::stopAtBoundary() {
  Impl& r = *m_impl;
  if (Status st = r.saveCheckpoint(m_checkpointPath); !st) return fail(std::move(st));
  const std::string message = "training stopped at " + where(r.state) +
                              (r.writesRunDir ? "; checkpoint " + m_checkpointPath : std::string());
  setStatus(TrainStatus::Stopped, m_checkpointPath);
  return Status(ErrorCode::Cancelled, message);
}

Status Trainer::fail(Status error) {
  setStatus(error.code() == ErrorCode::NonFinite ? TrainStatus::Diverged : TrainStatus::Failed,
            error.message());
  return error;
}

void Trainer::setStatus(TrainStatus status, const std::string& detail) {
  {
    std::lock_guard lock(m_mutex);
    if (m_status == status) return;
    m_status = status;
  }
  Impl& r = *m_impl;
  r.log->setStatus(status, r.state.globalStep, detail);
  (void)r.log->save();  // best effort: the status is also returned to the caller
  if (r.options.onStatus) r.options.onStatus(status, detail);
  if (r.options.events)
    r.options.events->push({TrainEvent::Kind::Status, {}, {}, {}, detail, status});
}

void Trainer::publishPosition() {
  const Impl& r = *m_impl;
  std::lock_guard lock(m_mutex);
  m_position.epoch = r.state.epoch;
  m_position.epochs = r.model.training.epochs();
  m_position.stepInEpoch = r.state.stepInEpoch;
  m_position.stepsPerEpoch = r.stepsPerEpoch;
  m_position.globalStep = r.state.globalStep;
  m_position.totalSteps = r.runSteps;
}

// ---- any thread ----

void Trainer::pause() {
  std::lock_guard lock(m_mutex);
  m_pauseRequested = true;
}

void Trainer::resume() {
  {
    std::lock_guard lock(m_mutex);
    m_pauseRequested = false;
  }
  m_wake.notify_all();
}

void Trainer::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopRequested = true;
  }
  m_wake.notify_all();
}

void Trainer::requestCheckpoint() {
  m_checkpointRequested.store(true);
}

TrainStatus Trainer::status() const {
  std::lock_guard lock(m_mutex);
  return m_status;
}

TrainerPosition Trainer::position() const {
  std::lock_guard lock(m_mutex);
  return m_position;
}

}  // namespace loom
