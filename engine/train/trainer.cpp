// The Trainer's preparation (trainer.h): create() builds everything a run needs once; the
// accessors. Steps are in trainer_step.cpp, pause/resume/stop in trainer_control.cpp.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "engine/core/threads.h"
#include "engine/train/settings.h"
#include "engine/train/trainer_impl.h"

namespace loom {

using namespace trainer_detail;

namespace fs = std::filesystem;

namespace {
/// Per node: the range of its parameters in the ParameterSet, which ParameterSet::create
/// fills node by node in graph order with each node's parameters in its op's order.
/// Checked against the names, so that a change of that order cannot go unnoticed.
Expected<std::unordered_map<std::string, std::pair<size_t, size_t>>> nodeParameterRanges(
    const Graph& graph, const GraphAnalysis& analysis, const std::vector<Parameter>& params) {
  std::unordered_map<std::string, std::pair<size_t, size_t>> ranges;
  size_t first = 0;
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    const std::string& node = graph.nodes()[i].name;
    const size_t count = analysis.nodes[i].shape.params.size();
    for (size_t k = first; k < first + count; ++k)
      if (k >= params.size() || params[k].name.rfind(node + ".", 0) != 0)
        return internalError("parameter " + std::to_string(k) + " is not one of node \"" + node +
                             "\"'s (ParameterSet order)");
    if (count > 0) ranges[node] = {first, count};
    first += count;
  }
  return ranges;
}
}  // namespace

Trainer::Trainer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Trainer::~Trainer() = default;

Expected<std::unique_ptr<Trainer>> Trainer::create(const Model& modelIn, TrainOptions options) {
  auto im = std::make_unique<Impl>();
  Impl& r = *im;
  r.model = modelIn;
  applyDefaults(r.model);
  // Defaults fill only what a file leaves unset; a negative batch size stays and is refused here.
  LOOM_RETURN_IF_ERROR(validateTrainingSettings(r.model.training, r.model.dataset));
  r.options = std::move(options);
  const TrainOptions& opt = r.options;
  r.threads = resolveComputeThreads(r.model.training.threads());
  ScopedComputeThreads threads(r.threads);  // preparation may run on another thread than the steps
  if (opt.backends.empty()) {
    // training.device (docs/backend-cuda.md): a CUDA device that is not there is refused here,
    // with the reason, before any data is read.
    LOOM_ASSIGN_OR_RETURN(r.backends, defaultBackends(r.model.training.device()));
  } else {
    r.backends = opt.backends;
  }
  std::vector<Backend*> backends;
  for (const auto& b : r.backends) backends.push_back(b.get());
  r.comm =
      opt.communicator ? opt.communicator : std::shared_ptr<Communicator>(makeLocalCommunicator());
  r.worldSize = r.comm->size();
  r.sync = r.worldSize > 1
               ? makeBucketedGradientSync(
                     r.comm, std::int64_t{1024} * r.model.training.allreduce_bucket_kib())
               : makeLocalGradientSync();
  r.writesRunDir = r.comm->rank() == 0;
  r.batchSize = r.model.training.batch_size();
  r.globalBatchSize = r.batchSize * r.worldSize;

  // Model and parameters: the graph is analysed here, once, for every plan of the run.
  r.analysis = std::make_shared<const GraphAnalysis>(
      analyzeGraph(r.model.graph, OpRegistry::global(), r.batchSize));
  LOOM_RETURN_IF_ERROR(r.analysis->status);
  LOOM_ASSIGN_OR_RETURN(r.params,
                        ParameterSet::create(r.model.graph, *r.analysis, r.model.parameters,
                                             r.model.training.seed()));
  // Transfer learning (freeze.h): before the optimizer state and the plans exist, so neither
  // ever sees a frozen parameter as trainable.
  LOOM_ASSIGN_OR_RETURN(r.frozen, resolveFrozenSet(r.model.graph, r.model.training.freeze_until()));
  LOOM_RETURN_IF_ERROR(freezeParameters(r.params, r.frozen));
  if (!r.frozen.nodes.empty()) r.say("note: " + frozenSummary(r.frozen));
  LOOM_ASSIGN_OR_RETURN(r.nodeParams,
                        nodeParameterRanges(r.model.graph, *r.analysis, r.params.all()));
  r.overlap = r.worldSize > 1 && r.model.training.allreduce_overlap() == "on";
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

  LOOM_ASSIGN_OR_RETURN(r.data,
                        loadTrainingData(r.model, *r.analysis, r.comm->rank(), r.worldSize));
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
    // The position first: a damaged one is named as such, not as a batch-size mismatch.
    LOOM_RETURN_IF_ERROR(
        checkResumePosition(r.state, checkpointPath, tc.epochs(), r.stepsPerEpoch));
    LOOM_RETURN_IF_ERROR(checkResumeGlobalBatch(r.state, checkpointPath, r.batchSize, r.worldSize));
    r.say("resuming from " + checkpointPath + " at " + where(r.state) + " (global step " +
          std::to_string(r.state.globalStep) + ")");
  }

  PlanOptions po;
  po.batch = r.batchSize;
  po.training = true;
  po.backends = backends;
  po.analysis = r.analysis;
  po.inferenceNodes = r.frozen.nodes;
  LOOM_ASSIGN_OR_RETURN(r.plan, Plan::compile(r.model.graph, r.params, po));
  r.plan.setProfiling(opt.profile);
  r.evalPlans =
      std::make_unique<EvalPlans>(r.model.graph, r.params, r.analysis, r.batchSize, backends);
  r.diffLogits = Tensor(Dims{r.batchSize, r.data.classes});
  // Stall detection (communicator.h) covers every collective call from here on.
  r.comm->setStallTimeout(r.model.training.stall_timeout_s());
  r.comm->setActivity("the parameter broadcast before the first step");
  LOOM_RETURN_IF_ERROR(r.sync->broadcastParameters(r.params.all()));
  if (!opt.timelinePath.empty()) {
    LOOM_ASSIGN_OR_RETURN(
        r.timeline,
        Timeline::open(timelinePathForRank(opt.timelinePath, r.comm->rank(), r.worldSize),
                       r.comm->rank(), r.comm->hostName()));
  }

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
  d.worldSize = r.worldSize;
  d.epochs = tc.epochs();
  d.optimizer = tc.optimizer().type();
  d.learningRate = baseLearningRate(tc.optimizer());
  d.datasetKind = r.data.kind->name;
  d.datasetSource = r.data.dataset.source;
  d.samples = r.data.samples;
  d.dataFingerprint = dataFingerprint(r.data.dataset);
  d.backends = backendNames(r.backends);
  d.frozen = r.frozen;
  LOOM_RETURN_IF_ERROR(r.log->start(d, opt.resume ? r.state.epoch : -1));
  if (r.writesRunDir && tc.logging().events() == "on") {
    LOOM_ASSIGN_OR_RETURN(r.eventLog, TrainingEventLog::open(opt.runDir, r.model, *r.analysis,
                                                             tc.logging().histogram_every()));
  }
  r.installTap();

  std::unique_ptr<Trainer> trainer(new Trainer(std::move(im)));
  trainer->m_checkpointPath = checkpointPath;
  const TrainerState& s = trainer->m_impl->state;
  trainer->m_done = s.epoch >= tc.epochs() || (opt.maxSteps > 0 && s.globalStep >= opt.maxSteps);
  trainer->publishPosition();
  return trainer;
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
  m_impl->userTap = std::move(tap);
  m_impl->installTap();
}

}  // namespace loom
