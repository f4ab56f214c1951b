// The Trainer's training thread (trainer.h): one optimizer step, the end of an epoch
// (validation, epoch report, checkpoint, early stopping) and the end of the run (test split).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>

#include "engine/core/rng.h"
#include "engine/core/threads.h"
#include "engine/ops/losses.h"
#include "engine/optim/clip.h"
#include "engine/train/attribution_log.h"
#include "engine/train/trainer_impl.h"
#include "engine/train/training_loss.h"

namespace loom {

using namespace trainer_detail;

namespace {
std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

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
    // Data-parallel: a stop is agreed in the step's allreduce, so every rank stops at the
    // same step instead of one leaving the others waiting in the next allreduce.
    stopping = m_impl->worldSize > 1 ? m_impl->stopAgreed : m_stopRequested;
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
  const std::int64_t epoch = s.epoch, step = s.stepInEpoch, thisStep = s.globalStep + 1;
  auto t = stepStart;
  // Ends the phase that began at `t`: --profile's totals and the timeline's event.
  auto lap = [&](double& acc, const char* name, const char* category) {
    if (!opt.profile && !r.timeline) return;
    const auto now = Clock::now();
    acc += std::chrono::duration<double>(now - t).count();
    if (r.timeline) r.timeline->span(name, category, t, now, thisStep);
    t = now;
  };
  auto batch = r.data.train->next();
  const double dataWait = secondsSince(stepStart);
  lap(r.phases.data, "wait for data", "wait");
  if (!batch) {
    LOOM_RETURN_IF_ERROR(r.data.train->failure());
    return internalError("the data loader ended early at step " + std::to_string(step));
  }
  const double lr = r.schedule->learningRateAt(s.globalStep, r.stepsPerEpoch, r.scheduleSteps);
  const std::uint64_t key =
      rngKey(s.seed, {static_cast<std::uint64_t>(RngPurpose::Dropout),
                      static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(step)});
  if (r.eventLog) r.eventLog->beginStep(s.globalStep + 1);
  LOOM_RETURN_IF_ERROR(r.plan.forward({{r.data.input, &batch->x}}, true, key));
  lap(r.phases.forward, "forward", "compute");
  const Tensor& logits = r.plan.output();
  LOOM_ASSIGN_OR_RETURN(double loss, computeLoss(tc.loss(), logits, batch->y, &r.diffLogits));
  lap(r.phases.loss, "loss", "compute");
  const std::string at = "training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                         std::to_string(step + 1);
  if (!std::isfinite(loss)) {
    const Status cause = r.plan.checkFinite();
    return Status(ErrorCode::NonFinite,
                  at + " (loss is " + (std::isnan(loss) ? "NaN" : "Inf") + ", learning rate " +
                      formatNumber(lr) +
                      "): " + (cause.isOk() ? "the loss itself overflowed" : cause.message()));
  }
  if (r.worldSize > 1)
    r.comm->setActivity("the gradient allreduce of global step " + std::to_string(thisStep));
  // With overlap the buckets start from the plan's tap during backward (installTap), and
  // "gradient allreduce" is only what is left to wait for after it: the exposed part.
  if (r.overlap) LOOM_RETURN_IF_ERROR(r.sync->beginOverlap(r.params.all()));
  r.overlapStatus = Status::ok();
  LOOM_RETURN_IF_ERROR(r.plan.backward(r.diffLogits));
  LOOM_RETURN_IF_ERROR(r.overlapStatus);
  lap(r.phases.backward, "backward", "compute");
  const auto allreduceStart = Clock::now();
  LOOM_RETURN_IF_ERROR(r.overlap ? r.sync->finishOverlap(r.params.all())
                                 : r.sync->allreduceMean(r.params.all()));
  const double allreduceSeconds = secondsSince(allreduceStart);
  if (r.worldSize > 1) {
    lap(r.phases.allreduce, "gradient allreduce", "comm");  // includes waiting for the slowest rank
    r.traceBuckets(thisStep);
  }
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
  lap(r.phases.optimizer, "optimizer", "compute");

  LOOM_ASSIGN_OR_RETURN(std::int64_t top1, countTopKCorrect(logits, batch->y, 1));
  if (r.worldSize > 1) {  // the step's loss and accuracy over the global batch, as 1 process
    bool wantsStop = false;
    {
      std::lock_guard lock(m_mutex);
      wantsStop = m_stopRequested || (opt.cancel && opt.cancel->load());
    }
    // One small allreduce: loss, correct count, stop flag, and every rank's timings of its
    // previous step in its own slot (the others are zero), so rank 0 learns them all.
    std::vector<float> sums(3 + 3 * static_cast<size_t>(r.worldSize), 0.0f);
    sums[0] = static_cast<float>(loss);
    sums[1] = static_cast<float>(top1);
    sums[2] = wantsStop ? 1.0f : 0.0f;
    for (size_t i = 0; i < 3; ++i)
      sums[3 + 3 * static_cast<size_t>(r.comm->rank()) + i] = static_cast<float>(r.lastHealth[i]);
    r.comm->setActivity("the step summary allreduce of global step " + std::to_string(thisStep));
    const auto summaryStart = Clock::now();
    LOOM_RETURN_IF_ERROR(r.comm->allreduce(sums, ReduceOp::Sum));
    r.trace("step summary allreduce", "comm", summaryStart, thisStep);
    loss = static_cast<double>(sums[0]) / r.worldSize;
    top1 = static_cast<std::int64_t>(std::lround(sums[1]));
    r.stopAgreed = sums[2] > 0;
    if (r.eventLog && s.globalStep > 0) {  // the previous step's health, rank by rank
      std::vector<std::array<double, 3>> health(static_cast<size_t>(r.worldSize));
      for (size_t k = 0; k < health.size(); ++k)
        for (size_t i = 0; i < 3; ++i) health[k][i] = sums[3 + 3 * k + i];
      r.eventLog->workerHealth(s.globalStep, health);
    }
  }
  ++s.globalStep;
  ++s.stepInEpoch;
  s.epochLossSum += loss * static_cast<double>(r.globalBatchSize);
  s.epochCorrect += top1;
  s.epochSamples += r.globalBatchSize;
  r.windowSamples += r.globalBatchSize;
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
      static_cast<double>((r.runSteps - s.globalStep) * r.globalBatchSize) / std::max(1.0, r.rate);
  p.learningRate = lr;
  p.globalStep = s.globalStep;
  r.report(p);
  if (r.eventLog) {
    r.eventLog->endStep(s.globalStep, loss,
                        static_cast<double>(top1) / static_cast<double>(r.globalBatchSize), lr,
                        r.rate, r.params.all());
  }
  r.epochSeconds += secondsSince(stepStart);
  r.lastHealth = {1e3 * secondsSince(stepStart), 1e3 * dataWait, 1e3 * allreduceSeconds};

  if (endsEpoch) {
    LOOM_RETURN_IF_ERROR(endEpoch(lr));  // writes the epoch's checkpoint
  } else if (saves) {
    LOOM_RETURN_IF_ERROR(r.saveCheckpoint(m_checkpointPath));
  }
  if (limit) m_done = true;
  return Status::ok();
}

void Trainer::Impl::logProbe() {
  if (!data.kind->hasTestSplit) return;
  if (!probeData) {
    auto test = loadTestData(model, *analysis);
    probeData = test ? std::move(*test) : Dataset{};
    if (!test) say("warning: no probe images in the event log: " + test.status().message());
    probeIndices = firstIndices(probeData->size(), kProbeSamples);
  }
  if (probeIndices.empty()) return;
  BatchLoaderOptions o = data.evalOptions;
  o.batchSize = static_cast<std::int64_t>(probeIndices.size());
  o.shuffle = false;
  o.dropLast = false;
  auto loader = BatchLoader::create(*probeData, probeIndices, o);
  if (!loader) return;
  Batch batch = (*loader)->makeBatch(0, 0);
  auto plan = evalPlans->get(batch.x.dim(0));
  if (!plan || !(*plan)->forward({{data.input, &batch.x}}, false, 0).isOk()) return;
  const Tensor& logits = (*plan)->output();
  std::vector<std::int64_t> predicted;
  for (std::int64_t i = 0; i < logits.dim(0); ++i) {
    const float* row = logits.f32() + i * logits.dim(1);
    predicted.push_back(std::max_element(row, row + logits.dim(1)) - row);
  }
  eventLog->probe(state.globalStep, *probeData, probeIndices, predicted);
  logAttributions(batch.x, predicted);
}

void Trainer::Impl::logAttributions(const Tensor& x, const std::vector<std::int64_t>& predicted) {
  const Dims& d = probeData->images.dims();
  if (attributionFailed || d.size() != 4 || (d[1] != 1 && d[1] != 3)) return;  // images only
  if (!attributionProbe) {
    ProbeOptions o;
    for (const auto& b : backends) o.backends.push_back(b.get());
    o.maxBatch = static_cast<std::int64_t>(probeIndices.size());
    auto probe = ModelProbe::create(model.graph, params, o);
    if (!probe) {
      attributionFailed = true;
      say("warning: no attribution maps in the event log: " + probe.status().message());
      return;
    }
    attributionProbe = std::make_unique<ModelProbe>(std::move(*probe));
  }
  attributionProbe->parametersChanged();  // trained since the last epoch
  auto overlays = probeAttributionOverlays(*attributionProbe, x, predicted, *probeData,
                                           probeIndices, data.evalOptions.normalization);
  if (!overlays) {
    attributionFailed = true;
    say("warning: no attribution maps in the event log: " + overlays.status().message());
    return;
  }
  for (size_t k = 0; k < overlays->size(); ++k) {
    char tag[48];
    std::snprintf(tag, sizeof tag, "%s%02zu", event_tags::kProbeAttribution, k);
    eventLog->rgbImage(tag, state.globalStep, (*overlays)[k]);
  }
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
  em.samplesPerSecond =
      static_cast<double>((r.stepsPerEpoch - r.epochFirstStep) * r.globalBatchSize) /
      std::max(1e-9, em.seconds);
  ConfusionCounter confusion(r.data.classes);
  if (r.data.validation) {
    // Rank 0 validates (the parameters are the same on every rank) and tells the others, so
    // that early stopping decides the same everywhere.
    double scores[2] = {0, 0};
    const auto validationStart = Clock::now();
    if (r.writesRunDir) {
      LOOM_ASSIGN_OR_RETURN(
          EvalMetrics v,
          runEvaluation(
              r.model, *r.evalPlans, r.data.input, *r.data.validation,
              TrainProgress::Phase::Validate, s.epoch, [&](const TrainProgress& p) { r.report(p); },
              r.eventLog ? confusion.observer() : EvalBatchObserver{}));
      scores[0] = v.loss;
      scores[1] = v.accuracy;
      r.trace("validation", "compute", validationStart, s.globalStep);
    }
    if (r.worldSize > 1) {
      r.comm->setActivity("the broadcast of rank 0's validation result after epoch " +
                          std::to_string(s.epoch + 1));
      const auto broadcastStart = Clock::now();
      LOOM_RETURN_IF_ERROR(r.comm->broadcastBytes(std::as_writable_bytes(std::span(scores)), 0));
      r.trace("validation broadcast", "comm", broadcastStart, s.globalStep);
    }
    em.validationLoss = scores[0];
    em.validationAccuracy = scores[1];
    if (em.validationLoss < s.bestValidationLoss) {
      s.bestValidationLoss = em.validationLoss;
      s.epochsWithoutImprovement = 0;
    } else {
      ++s.epochsWithoutImprovement;
    }
  }
  r.result.epochs.push_back(em);
  if (r.options.onEpoch) r.options.onEpoch(em);
  if (r.options.events) r.options.events->push({TrainEvent::Kind::Epoch, {}, em, {}, {}, {}});
  r.log->addEpoch(em, s.globalStep);
  if (r.eventLog) {
    r.eventLog->epoch(em, s.globalStep);
    if (r.data.validation) {
      r.eventLog->confusion("validation", s.globalStep, confusion.counts(),
                            r.data.dataset.classNames);
    }
    r.logProbe();
  }
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
    if (r.worldSize > 1)
      r.result.phaseSeconds.emplace_back("gradient allreduce", r.phases.allreduce);
  }
  if (r.options.evaluateTest && r.data.kind->hasTestSplit && r.writesRunDir) {
    auto test = loadTestData(r.model, *r.analysis);
    if (!test) return fail(test.status());
    ConfusionCounter confusion(r.data.classes);
    auto m = evaluateTestSplit(
        r.model, *test, r.data.input, *r.evalPlans, r.data.evalOptions, r.state.epoch,
        [&](const TrainProgress& p) { r.report(p); },
        r.eventLog ? confusion.observer() : EvalBatchObserver{});
    if (m && r.eventLog) {
      r.eventLog->confusion("test", r.state.globalStep, confusion.counts(), test->classNames);
    }
    if (!m) return fail(m.status());
    if (r.eventLog) r.eventLog->test(*m, r.state.globalStep);
    r.result.test = *m;
    r.log->setTest(*m);
    if (r.options.events) r.options.events->push({TrainEvent::Kind::Test, {}, {}, *m, {}, {}});
  }
  r.log->setTrainSeconds(r.result.trainSeconds);
  r.finished = true;
  setStatus(TrainStatus::Completed, "");
  return r.result;
}

}  // namespace loom
