#include "engine/train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/backends/backend.h"
#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/core/rng.h"
#include "engine/core/threads.h"
#include "engine/data/batch_loader.h"
#include "engine/data/csv.h"
#include "engine/data/dataset.h"
#include "engine/data/dataset_registry.h"
#include "engine/dist/gradient_sync.h"
#include "engine/exec/plan.h"
#include "engine/ops/losses.h"
#include "engine/optim/clip.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/train/checkpoint.h"
#include "engine/train/settings.h"

namespace loom {

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Expected<Dataset> loadData(const pb::DatasetConfig& cfg, Split split) {
  if (cfg.kind() == "fashion_mnist" || cfg.kind() == "idx") return loadFashionMnist(cfg.path(), split);
  if (cfg.kind() != "csv") return loadDataset(cfg, split);  // plugin kinds (DatasetRegistry)
  if (split == Split::Test) return notFound("CSV data sets have no test split");
  return readCsv(cfg.path());
}

std::vector<std::int64_t> allIndices(std::int64_t n, std::int64_t limit) {
  std::vector<std::int64_t> v(static_cast<size_t>(limit > 0 ? std::min(n, limit) : n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

/// The model's single Input node, checked against the data set's sample shape.
Expected<std::string> findInput(const Model& model, const GraphAnalysis& a, const Dataset& data) {
  std::vector<std::string> inputs;
  for (size_t i = 0; i < model.graph.nodes().size(); ++i)
    if (model.graph.nodes()[i].op == "Input") inputs.push_back(model.graph.nodes()[i].name);
  if (inputs.size() != 1)
    return Status(ErrorCode::InvalidGraph, "training needs exactly one Input node, the model has " +
                                               std::to_string(inputs.size()));
  const auto& out = a.nodes[static_cast<size_t>(model.graph.indexOf(inputs[0]))].shape.output;
  Dims modelSample(out.begin() + 1, out.end());
  Dims dataSample(data.images.dims().begin() + 1, data.images.dims().end());
  if (numElements(modelSample) != numElements(dataSample) ||
      (modelSample.size() == dataSample.size() && modelSample != dataSample))
    return shapeMismatch("Input node \"" + inputs[0] + "\" expects samples of shape " + dimsToString(modelSample) +
                         " but the data set " + data.source + " provides " + dimsToString(dataSample));
  return inputs[0];
}

/// Loss of `logits` against integer labels, per the model's loss config; writes the gradient.
Expected<double> computeLoss(const pb::LossConfig& cfg, const Tensor& logits, const Tensor& labels,
                             Tensor* diff) {
  if (cfg.type() == "softmax_cross_entropy")
    return softmaxCrossEntropy(logits, labels, cfg.label_smoothing(), diff);
  // MSE and BCE regress one-hot targets of the class labels.
  Tensor target(logits.dims());
  const std::int64_t classes = logits.dim(1);
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    target.f32()[i * classes + labels.data<std::int64_t>()[i]] = 1.0f;
  if (cfg.type() == "mse") return meanSquaredError(logits, target, diff);
  if (cfg.type() == "binary_cross_entropy") return binaryCrossEntropyWithLogits(logits, target, diff);
  return invalidArgument("loss \"" + cfg.type() + "\" is not one of: softmax_cross_entropy, mse, binary_cross_entropy");
}

/// Plans for inference, one per batch size (the last partial batch gets its own).
class EvalPlans {
 public:
  EvalPlans(const Graph& graph, ParameterSet& params, Backend* backend)
      : m_graph(graph), m_params(params), m_backend(backend) {}
  Expected<Plan*> get(std::int64_t batch) {
    auto it = m_plans.find(batch);
    if (it != m_plans.end()) return &it->second;
    PlanOptions o;
    o.batch = batch;
    o.training = false;
    o.backends = {m_backend};
    LOOM_ASSIGN_OR_RETURN(Plan plan, Plan::compile(m_graph, m_params, o));
    return &m_plans.emplace(batch, std::move(plan)).first->second;
  }

 private:
  const Graph& m_graph;
  ParameterSet& m_params;
  Backend* m_backend;
  std::map<std::int64_t, Plan> m_plans;
};

Expected<EvalMetrics> runEvaluation(const Model& model, EvalPlans& plans, const std::string& input,
                                    BatchLoader& loader, TrainProgress::Phase phase, std::int64_t epoch,
                                    const std::function<void(const TrainProgress&)>& onProgress) {
  EvalMetrics m;
  double lossSum = 0;
  std::int64_t correct = 0;
  std::map<int, std::int64_t> topCorrect;
  for (int k : model.training.top_k()) topCorrect[k] = 0;
  LOOM_RETURN_IF_ERROR(loader.startEpoch(0, 0));
  const std::int64_t steps = loader.stepsPerEpoch();
  auto start = Clock::now();
  for (std::int64_t step = 0; step < steps; ++step) {
    auto batch = loader.next();
    if (!batch) return internalError("the data loader ended early");
    const std::int64_t b = batch->x.dim(0);
    LOOM_ASSIGN_OR_RETURN(Plan * plan, plans.get(b));
    LOOM_RETURN_IF_ERROR(plan->forward({{input, &batch->x}}, false, 0));
    const Tensor& logits = plan->output();
    LOOM_ASSIGN_OR_RETURN(double loss, computeLoss(model.training.loss(), logits, batch->y, nullptr));
    lossSum += loss * static_cast<double>(b);
    LOOM_ASSIGN_OR_RETURN(std::int64_t top1, countTopKCorrect(logits, batch->y, 1));
    correct += top1;
    for (auto& [k, c] : topCorrect) {
      LOOM_ASSIGN_OR_RETURN(std::int64_t topk, countTopKCorrect(logits, batch->y, k));
      c += topk;
    }
    m.samples += b;
    if (onProgress) {
      TrainProgress p;
      p.phase = phase;
      p.epoch = epoch;
      p.epochs = model.training.epochs();
      p.step = step + 1;
      p.steps = steps;
      p.loss = lossSum / static_cast<double>(m.samples);
      p.accuracy = static_cast<double>(correct) / static_cast<double>(m.samples);
      p.samplesPerSecond = static_cast<double>(m.samples) / std::max(1e-9, secondsSince(start));
      onProgress(p);
    }
  }
  if (m.samples == 0) return invalidArgument("the evaluation set is empty");
  m.loss = lossSum / static_cast<double>(m.samples);
  m.accuracy = static_cast<double>(correct) / static_cast<double>(m.samples);
  for (auto& [k, c] : topCorrect) m.topK.emplace_back(k, static_cast<double>(c) / static_cast<double>(m.samples));
  return m;
}

/// Loads the test split, checks it fits the model's input, and evaluates with `plans`
/// (no shuffling, no augmentation, the last partial batch kept).
Expected<EvalMetrics> evaluateTestSplit(const Model& model, const GraphAnalysis& analysis, EvalPlans& plans,
                                        std::int64_t batchSize, std::int64_t epoch,
                                        const std::function<void(const TrainProgress&)>& onProgress) {
  LOOM_ASSIGN_OR_RETURN(Dataset testData, loadData(model.dataset, Split::Test));
  LOOM_ASSIGN_OR_RETURN(std::string input, findInput(model, analysis, testData));
  BatchLoaderOptions o;
  o.batchSize = batchSize;
  o.shuffle = false;
  o.dropLast = false;
  o.seed = model.training.seed();
  o.normalization = Normalization::uniform(model.dataset.mean(), model.dataset.std());
  LOOM_ASSIGN_OR_RETURN(auto loader,
                        BatchLoader::create(testData, allIndices(testData.size(), model.dataset.test_limit()), o));
  return runEvaluation(model, plans, input, *loader, TrainProgress::Phase::Test, epoch, onProgress);
}

std::string formatNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string hostName() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

std::string dataFingerprint(const Dataset& d) {
  std::uint32_t crc = crc32c(d.images.raw(), d.images.bytes());
  crc = crc32c(d.labels.raw(), d.labels.bytes(), crc);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", crc);
  return buf;
}

Status restoreCheckpoint(const CheckpointData& ck, ParameterSet& params, Optimizer* optimizer) {
  std::map<std::string, const Tensor*> byName;
  for (const auto& [name, t] : ck.tensors) byName[name] = &t;
  auto restore = [&](const std::string& key, Tensor& into) -> Status {
    auto it = byName.find(key);
    if (it == byName.end()) return Status(ErrorCode::ModelMismatch, "checkpoint has no tensor \"" + key + "\"");
    if (it->second->dims() != into.dims() || it->second->dtype() != into.dtype())
      return Status(ErrorCode::ModelMismatch, "checkpoint tensor \"" + key + "\" has shape " +
                                                  dimsToString(it->second->dims()) + ", expected " +
                                                  dimsToString(into.dims()));
    into.copyFrom(*it->second);
    return Status::ok();
  };
  for (auto& p : params.all()) LOOM_RETURN_IF_ERROR(restore("param/" + p.name, p.value));
  if (optimizer) {
    for (auto& [name, t] : optimizer->stateTensors()) LOOM_RETURN_IF_ERROR(restore("optim/" + name, *t));
    Tensor steps(Dims{1}, DType::I64);
    LOOM_RETURN_IF_ERROR(restore("optim/step_count", steps));
    optimizer->setStepCount(steps.data<std::int64_t>()[0]);
  }
  return Status::ok();
}

CheckpointData makeCheckpoint(const std::string& hash, const TrainerState& state, ParameterSet& params,
                              Optimizer& optimizer) {
  CheckpointData ck;
  ck.modelHash = hash;
  ck.state = state;
  for (auto& p : params.all()) ck.tensors.emplace_back("param/" + p.name, p.value);
  for (auto& [name, t] : optimizer.stateTensors()) ck.tensors.emplace_back("optim/" + name, *t);
  Tensor steps(Dims{1}, DType::I64);
  steps.data<std::int64_t>()[0] = optimizer.stepCount();
  ck.tensors.emplace_back("optim/step_count", steps);
  return ck;
}

class RunLog {
 public:
  explicit RunLog(std::string path) : m_path(std::move(path)) {}
  nlohmann::json& json() { return m_json; }
  Status save() { return writeFileAtomically(m_path, m_json.dump(2) + "\n"); }

 private:
  std::string m_path;
  nlohmann::json m_json;
};
}  // namespace

Expected<TrainResult> train(Model& model, const TrainOptions& opt) {
  applyDefaults(model);
  LOOM_RETURN_IF_ERROR(validateTrainingSettings(model.training, model.dataset));
  const pb::TrainingConfig& tc = model.training;
  setComputeThreads(tc.threads());
  const int threads = computeThreads();
  const std::int64_t batchSize = tc.batch_size();
  const std::uint64_t seed = tc.seed();
  auto say = [&](const std::string& m) {
    if (opt.onMessage) opt.onMessage(m);
  };

  // Model and parameters.
  GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), batchSize);
  LOOM_RETURN_IF_ERROR(analysis.status);
  LOOM_ASSIGN_OR_RETURN(ParameterSet params, ParameterSet::create(model.graph, analysis, model.parameters, seed));
  const std::string hash = modelStructureHash(model);

  // Data.
  LOOM_ASSIGN_OR_RETURN(Dataset trainData, loadData(model.dataset, Split::Train));
  LOOM_ASSIGN_OR_RETURN(std::string input, findInput(model, analysis, trainData));
  const Dims& outDims = analysis.nodes[static_cast<size_t>(model.graph.indexOf(analysis.outputNode))].shape.output;
  const std::int64_t classes = static_cast<std::int64_t>(trainData.classNames.size());
  if (outDims.size() != 2 || outDims[1] != classes)
    return shapeMismatch("the output node \"" + analysis.outputNode + "\" produces " + dimsToString(outDims) +
                         " but the data set has " + std::to_string(classes) + " classes (expected [" +
                         std::to_string(batchSize) + ", " + std::to_string(classes) + "])");
  const std::int64_t trainCount = model.dataset.train_limit() > 0
                                      ? std::min<std::int64_t>(trainData.size(), model.dataset.train_limit())
                                      : trainData.size();
  LOOM_ASSIGN_OR_RETURN(TrainValidationSplit split,
                        splitTrainValidation(trainCount, tc.validation_fraction(), seed));
  BatchLoaderOptions lo;
  lo.batchSize = batchSize;
  lo.seed = seed;
  lo.normalization = model.dataset.kind() == "csv" ? Normalization{}
                                                   : Normalization::uniform(model.dataset.mean(), model.dataset.std());
  if (model.dataset.kind() == "csv") {
    LOOM_ASSIGN_OR_RETURN(lo.normalization, featureStandardization(trainData, split.train));
  }
  lo.augmentation.cropPadding = model.dataset.augmentation().random_crop_padding();
  lo.augmentation.horizontalFlip = model.dataset.augmentation().horizontal_flip();
  LOOM_ASSIGN_OR_RETURN(auto trainLoader, BatchLoader::create(trainData, split.train, lo));
  if (trainLoader->stepsPerEpoch() == 0)
    return invalidArgument("the training set has " + std::to_string(split.train.size()) +
                           " samples, fewer than one batch of " + std::to_string(batchSize));
  BatchLoaderOptions evalOptions = lo;
  evalOptions.shuffle = false;
  evalOptions.dropLast = false;
  evalOptions.augmentation = {};
  std::unique_ptr<BatchLoader> validLoader;
  if (!split.validation.empty()) {
    LOOM_ASSIGN_OR_RETURN(validLoader, BatchLoader::create(trainData, split.validation, evalOptions));
  }

  // Optimizer, schedule, backends, plans.
  LOOM_ASSIGN_OR_RETURN(auto optimizer, createOptimizer(tc.optimizer()));
  LOOM_RETURN_IF_ERROR(optimizer->initializeState(params.all()));
  auto cpu = makeCpuBackend();
  PlanOptions po;
  po.batch = batchSize;
  po.training = true;
  po.backends = {cpu.get()};
  LOOM_ASSIGN_OR_RETURN(Plan plan, Plan::compile(model.graph, params, po));
  EvalPlans evalPlans(model.graph, params, cpu.get());
  LOOM_ASSIGN_OR_RETURN(LearningRateSchedule schedule,
                        LearningRateSchedule::create(tc.schedule(), baseLearningRate(tc.optimizer())));
  auto sync = makeLocalGradientSync();
  LOOM_RETURN_IF_ERROR(sync->broadcastParameters(params.all()));

  // Run directory and resume.
  std::error_code ec;
  fs::create_directories(fs::path(opt.runDir) / "checkpoints", ec);
  if (ec) return ioError("cannot create run directory \"" + opt.runDir + "\": " + ec.message());
  const std::string ckptPath = (fs::path(opt.runDir) / "checkpoints" / "last.ckpt").string();
  TrainerState state;
  state.seed = seed;
  state.threads = threads;
  state.bestValidationLoss = INFINITY;
  if (opt.resume) {
    auto ck = readCheckpoint(ckptPath, hash);
    if (!ck) return ck.status();
    LOOM_RETURN_IF_ERROR(restoreCheckpoint(*ck, params, optimizer.get()));
    state = ck->state;
    if (state.seed != seed)
      say("note: the checkpoint was written with seed " + std::to_string(state.seed) + "; continuing with it");
    if (state.threads != threads)
      say("warning: the checkpoint was written with " + std::to_string(state.threads) + " threads, this run uses " +
          std::to_string(threads) + "; results will not be bit-identical to an uninterrupted run");
    say("resuming from " + ckptPath + " at epoch " + std::to_string(state.epoch + 1) + ", step " +
        std::to_string(state.stepInEpoch));
  } else {
    LOOM_RETURN_IF_ERROR(saveModel(model, (fs::path(opt.runDir) / "model.loom").string()));
  }
  const std::uint64_t runSeed = state.seed;
  RunLog log((fs::path(opt.runDir) / "run.json").string());
  {
    auto& j = log.json();
    j["format_version"] = 1;
    j["model"] = model.name;
    j["model_hash"] = hash;
    j["host"] = hostName();
    j["threads"] = threads;
    j["seed"] = runSeed;
    j["batch_size"] = batchSize;
    j["epochs"] = tc.epochs();
    j["optimizer"] = {{"type", tc.optimizer().type()}, {"learning_rate", tc.optimizer().learning_rate()}};
    j["dataset"] = {{"source", trainData.source}, {"samples", trainCount}, {"fingerprint", dataFingerprint(trainData)}};
    j["status"] = "running";
    j["epoch_metrics"] = nlohmann::json::array();
    LOOM_RETURN_IF_ERROR(log.save());
  }
  auto saveCheckpoint = [&]() { return writeCheckpoint(ckptPath, makeCheckpoint(hash, state, params, *optimizer)); };

  // The loop.
  TrainResult result;
  const std::int64_t stepsPerEpoch = trainLoader->stepsPerEpoch();
  const std::int64_t totalSteps = stepsPerEpoch * tc.epochs();
  Tensor diffLogits(Dims{batchSize, classes});
  auto runStart = Clock::now();
  bool stop = false;
  plan.setProfiling(opt.profile);
  double tData = 0, tForward = 0, tLoss = 0, tBackward = 0, tOptim = 0;
  auto lap = [&](Clock::time_point& t, double& acc) {
    if (!opt.profile) return;
    auto now = Clock::now();
    acc += std::chrono::duration<double>(now - t).count();
    t = now;
  };
  for (; state.epoch < tc.epochs() && !stop; ++state.epoch) {
    const std::int64_t epoch = state.epoch;
    LOOM_RETURN_IF_ERROR(trainLoader->startEpoch(epoch, state.stepInEpoch));
    auto epochStart = Clock::now();
    const std::int64_t epochFirstStep = state.stepInEpoch;
    auto windowStart = Clock::now();
    std::int64_t windowSamples = 0;
    double rate = 0;
    double lr = 0;
    while (state.stepInEpoch < stepsPerEpoch) {
      const std::int64_t step = state.stepInEpoch;
      auto t = Clock::now();
      auto batch = trainLoader->next();
      lap(t, tData);
      if (!batch) return internalError("the data loader ended early at step " + std::to_string(step));
      lr = schedule.learningRateAt(state.globalStep, stepsPerEpoch, totalSteps);
      const std::uint64_t key = rngKey(runSeed, {static_cast<std::uint64_t>(RngPurpose::Dropout),
                                                 static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(step)});
      LOOM_RETURN_IF_ERROR(plan.forward({{input, &batch->x}}, true, key));
      lap(t, tForward);
      const Tensor& logits = plan.output();
      LOOM_ASSIGN_OR_RETURN(double loss, computeLoss(tc.loss(), logits, batch->y, &diffLogits));
      lap(t, tLoss);
      if (!std::isfinite(loss)) {
        Status where = plan.checkFinite();
        log.json()["status"] = "diverged";
        (void)log.save();
        std::string msg = "training diverged at epoch " + std::to_string(epoch + 1) + ", step " +
                          std::to_string(step + 1) + " (loss is " + (std::isnan(loss) ? "NaN" : "Inf") + ", learning rate " +
                          formatNumber(lr) + "): ";
        return Status(ErrorCode::NonFinite, msg + (where.isOk() ? "the loss itself overflowed" : where.message()));
      }
      LOOM_RETURN_IF_ERROR(plan.backward(diffLogits));
      lap(t, tBackward);
      LOOM_RETURN_IF_ERROR(sync->allreduceMean(params.all()));
      if (tc.clip_grad_norm() > 0) LOOM_RETURN_IF_ERROR(clipGradNorm(params.all(), tc.clip_grad_norm()).status());
      LOOM_RETURN_IF_ERROR(optimizer->step(params.all(), lr));
      lap(t, tOptim);

      ++state.globalStep;
      ++state.stepInEpoch;
      state.epochLossSum += loss * static_cast<double>(batchSize);
      LOOM_ASSIGN_OR_RETURN(std::int64_t top1, countTopKCorrect(logits, batch->y, 1));
      state.epochCorrect += top1;
      state.epochSamples += batchSize;
      windowSamples += batchSize;
      const double windowSeconds = secondsSince(windowStart);
      if (windowSeconds >= 1.0 || rate == 0) {
        rate = static_cast<double>(windowSamples) / std::max(1e-9, windowSeconds);
        windowStart = Clock::now();
        windowSamples = 0;
      }
      if (opt.onProgress) {
        TrainProgress p;
        p.epoch = epoch;
        p.epochs = tc.epochs();
        p.step = state.stepInEpoch;
        p.steps = stepsPerEpoch;
        p.loss = state.epochLossSum / static_cast<double>(state.epochSamples);
        p.accuracy = static_cast<double>(state.epochCorrect) / static_cast<double>(state.epochSamples);
        p.samplesPerSecond = rate;
        p.etaSeconds = static_cast<double>((totalSteps - state.globalStep) * batchSize) / std::max(1.0, rate);
        p.learningRate = lr;
        opt.onProgress(p);
      }
      const bool cancel = opt.cancel && opt.cancel->load();
      const bool limit = opt.maxSteps > 0 && state.globalStep >= opt.maxSteps;
      const bool periodic = opt.checkpointEverySteps > 0 && state.globalStep % opt.checkpointEverySteps == 0;
      // exchange(): a request is served once, however long the flag stays visible.
      const bool requested = opt.checkpointNow && opt.checkpointNow->exchange(false);
      if ((cancel || limit || periodic || requested) && state.stepInEpoch < stepsPerEpoch)
        LOOM_RETURN_IF_ERROR(saveCheckpoint());
      if (cancel) {
        log.json()["status"] = "cancelled";
        (void)log.save();
        return Status(ErrorCode::Cancelled, "training stopped at epoch " + std::to_string(epoch + 1) + ", step " +
                                                std::to_string(state.stepInEpoch) + "; checkpoint " + ckptPath);
      }
      if (limit) {
        stop = true;
        break;
      }
    }
    if (state.stepInEpoch < stepsPerEpoch) break;  // stopped by --max-steps mid-epoch

    EpochMetrics em;
    em.epoch = epoch;
    em.trainLoss = state.epochLossSum / static_cast<double>(std::max<std::int64_t>(1, state.epochSamples));
    em.trainAccuracy = static_cast<double>(state.epochCorrect) / static_cast<double>(std::max<std::int64_t>(1, state.epochSamples));
    em.learningRate = lr;
    em.seconds = secondsSince(epochStart);
    em.samplesPerSecond = static_cast<double>((stepsPerEpoch - epochFirstStep) * batchSize) / std::max(1e-9, em.seconds);
    if (validLoader) {
      LOOM_ASSIGN_OR_RETURN(EvalMetrics v, runEvaluation(model, evalPlans, input, *validLoader,
                                                         TrainProgress::Phase::Validate, epoch, opt.onProgress));
      em.validationLoss = v.loss;
      em.validationAccuracy = v.accuracy;
      if (v.loss < state.bestValidationLoss) {
        state.bestValidationLoss = v.loss;
        state.epochsWithoutImprovement = 0;
      } else {
        ++state.epochsWithoutImprovement;
      }
    }
    result.epochs.push_back(em);
    if (opt.onEpoch) opt.onEpoch(em);
    log.json()["epoch_metrics"].push_back({{"epoch", epoch + 1},
                                           {"train_loss", em.trainLoss},
                                           {"train_accuracy", em.trainAccuracy},
                                           {"validation_loss", em.validationLoss},
                                           {"validation_accuracy", em.validationAccuracy},
                                           {"learning_rate", em.learningRate},
                                           {"seconds", em.seconds}});
    // The epoch is complete: the checkpoint points at the start of the next one.
    state.stepInEpoch = 0;
    state.epochLossSum = 0;
    state.epochCorrect = 0;
    state.epochSamples = 0;
    ++state.epoch;
    LOOM_RETURN_IF_ERROR(saveCheckpoint());
    --state.epoch;  // the for-loop increments it
    LOOM_RETURN_IF_ERROR(log.save());
    if (tc.early_stopping_patience() > 0 && validLoader &&
        state.epochsWithoutImprovement >= tc.early_stopping_patience()) {
      result.stoppedEarly = true;
      ++state.epoch;
      break;
    }
    if (opt.maxSteps > 0 && state.globalStep >= opt.maxSteps) stop = true;
  }
  result.trainSeconds = secondsSince(runStart);
  if (opt.profile) {
    result.nodeTimings = plan.timings();
    result.phaseSeconds = {{"wait for data", tData}, {"forward", tForward}, {"loss", tLoss},
                           {"backward", tBackward}, {"optimizer", tOptim}};
  }
  model.parameters = params.values();

  if (opt.evaluateTest && model.dataset.kind() != "csv") {
    LOOM_ASSIGN_OR_RETURN(result.test,
                          evaluateTestSplit(model, analysis, evalPlans, batchSize, state.epoch, opt.onProgress));
    log.json()["test"] = {{"loss", result.test.loss}, {"accuracy", result.test.accuracy}, {"samples", result.test.samples}};
  }
  log.json()["status"] = "completed";
  log.json()["train_seconds"] = result.trainSeconds;
  LOOM_RETURN_IF_ERROR(log.save());
  return result;
}

Expected<EvalMetrics> evaluate(const Model& modelIn, std::int64_t batchSize,
                               const std::function<void(const TrainProgress&)>& onProgress) {
  Model model = modelIn;
  applyDefaults(model);
  GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), batchSize);
  LOOM_RETURN_IF_ERROR(analysis.status);
  LOOM_ASSIGN_OR_RETURN(ParameterSet params,
                        ParameterSet::create(model.graph, analysis, model.parameters, model.training.seed()));
  auto cpu = makeCpuBackend();
  EvalPlans plans(model.graph, params, cpu.get());
  return evaluateTestSplit(model, analysis, plans, batchSize, 0, onProgress);
}

Status loadCheckpointParameters(Model& model, const std::string& checkpointPath) {
  applyDefaults(model);
  GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  LOOM_ASSIGN_OR_RETURN(ParameterSet params, ParameterSet::create(model.graph, analysis, {}, model.training.seed()));
  LOOM_ASSIGN_OR_RETURN(CheckpointData ck, readCheckpoint(checkpointPath, modelStructureHash(model)));
  LOOM_RETURN_IF_ERROR(restoreCheckpoint(ck, params, nullptr));
  model.parameters = params.values();
  return Status::ok();
}

}  // namespace loom
