#include "engine/train/evaluation.h"

#include <algorithm>
#include <chrono>

#include "engine/core/threads.h"
#include "engine/ops/losses.h"
#include "engine/train/finite_check.h"
#include "engine/train/trainer.h"
#include "engine/train/training_data.h"
#include "engine/train/training_loss.h"

namespace loom {

EvalPlans::EvalPlans(const Graph& graph, ParameterSet& params,
                     std::shared_ptr<const GraphAnalysis> base, std::int64_t baseBatch,
                     std::vector<Backend*> backends)
    : m_graph(graph),
      m_params(params),
      m_base(std::move(base)),
      m_baseBatch(baseBatch),
      m_backends(std::move(backends)) {}

Expected<Plan*> EvalPlans::get(std::int64_t batch) {
  auto it = m_plans.find(batch);
  if (it != m_plans.end()) return &it->second;
  PlanOptions o;
  o.batch = batch;
  o.training = false;
  o.constantParameters = true;  // runEvaluation() calls parametersChanged() first
  o.backends = m_backends;
  o.analysis =
      batch == m_baseBatch
          ? m_base
          : std::make_shared<const GraphAnalysis>(analysisForBatch(m_graph, *m_base, batch));
  LOOM_ASSIGN_OR_RETURN(Plan plan, Plan::compile(m_graph, m_params, o));
  return &m_plans.emplace(batch, std::move(plan)).first->second;
}

void EvalPlans::parametersChanged() {
  for (auto& [batch, plan] : m_plans) plan.parametersChanged();
}

ConfusionCounter::ConfusionCounter(std::int64_t classes)
    : m_classes(classes), m_counts(static_cast<std::size_t>(classes * classes), 0) {}

EvalBatchObserver ConfusionCounter::observer() {
  return [this](const Tensor& logits, const Tensor& labels) {
    const std::int64_t b = logits.dim(0), k = logits.dim(1);
    const float* x = logits.f32();
    const auto* y = labels.data<std::int64_t>();
    for (std::int64_t i = 0; i < b; ++i) {
      std::int64_t best = 0;  // the first maximum, as countTopKCorrect breaks ties
      for (std::int64_t c = 1; c < k; ++c) {
        if (x[i * k + c] > x[i * k + best]) best = c;
      }
      if (y[i] >= 0 && y[i] < m_classes && best < m_classes) {
        ++m_counts[static_cast<std::size_t>(y[i] * m_classes + best)];
      }
    }
  };
}

Expected<EvalMetrics> runEvaluation(const Model& model, EvalPlans& plans, const std::string& input,
                                    BatchLoader& loader, TrainProgress::Phase phase,
                                    std::int64_t epoch,
                                    const std::function<void(const TrainProgress&)>& onProgress,
                                    const EvalBatchObserver& onBatch) {
  using Clock = std::chrono::steady_clock;
  EvalMetrics m;
  double lossSum = 0;
  std::int64_t correct = 0;
  std::map<int, std::int64_t> topCorrect;
  for (int k : model.training.top_k()) topCorrect[k] = 0;
  plans.parametersChanged();  // the weights are fixed from here to the last batch
  LOOM_RETURN_IF_ERROR(loader.startEpoch(0, 0));
  const std::int64_t steps = loader.stepsPerEpoch();
  const auto start = Clock::now();
  for (std::int64_t step = 0; step < steps; ++step) {
    auto batch = loader.next();
    if (!batch) {
      LOOM_RETURN_IF_ERROR(loader.failure());
      return internalError("the data loader ended early");
    }
    const std::int64_t b = batch->x.dim(0);
    LOOM_ASSIGN_OR_RETURN(Plan * plan, plans.get(b));
    LOOM_RETURN_IF_ERROR(plan->forward({{input, &batch->x}}, false, 0));
    const Tensor& logits = plan->output();
    if (!allFinite(logits)) {
      const Status where = plan->locateNonFinite({{input, &batch->x}});
      const char* what =
          phase == TrainProgress::Phase::Test ? "the test split" : "the validation split";
      return Status(ErrorCode::NonFinite,
                    std::string("evaluation on ") + what + " produced non-finite logits in batch " +
                        std::to_string(step + 1) + ": " +
                        (where.isOk() ? "the output itself" : where.message()));
    }
    LOOM_ASSIGN_OR_RETURN(double loss,
                          computeLoss(model.training.loss(), logits, batch->y, nullptr));
    lossSum += loss * static_cast<double>(b);
    if (onBatch) onBatch(logits, batch->y);
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
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      p.samplesPerSecond = static_cast<double>(m.samples) / std::max(1e-9, seconds);
      onProgress(p);
    }
  }
  if (m.samples == 0) return invalidArgument("the evaluation set is empty");
  m.loss = lossSum / static_cast<double>(m.samples);
  m.accuracy = static_cast<double>(correct) / static_cast<double>(m.samples);
  for (auto& [k, c] : topCorrect)
    m.topK.emplace_back(k, static_cast<double>(c) / static_cast<double>(m.samples));
  return m;
}

Expected<EvalMetrics> evaluateTestSplit(const Model& model, const Dataset& test,
                                        const std::string& input, EvalPlans& plans,
                                        const BatchLoaderOptions& options, std::int64_t epoch,
                                        const std::function<void(const TrainProgress&)>& onProgress,
                                        const EvalBatchObserver& onBatch) {
  LOOM_ASSIGN_OR_RETURN(
      auto loader,
      BatchLoader::create(test, firstIndices(test.size(), model.dataset.test_limit()), options));
  return runEvaluation(model, plans, input, *loader, TrainProgress::Phase::Test, epoch, onProgress,
                       onBatch);
}

Expected<BatchLoaderOptions> standaloneEvalOptions(const Model& model, std::int64_t batchSize) {
  LOOM_ASSIGN_OR_RETURN(const DatasetKind* kind, findDatasetKind(model.dataset));
  BatchLoaderOptions o;
  o.batchSize = batchSize;
  o.seed = model.training.seed();
  if (kind->normalization == DatasetNormalization::PixelMeanStd) {
    o.normalization = Normalization::uniform(model.dataset.mean(), model.dataset.std());
  } else {
    LOOM_ASSIGN_OR_RETURN(Dataset train, kind->load(model.dataset, Split::Train));
    const std::int64_t n = model.dataset.train_limit() > 0
                               ? std::min<std::int64_t>(train.size(), model.dataset.train_limit())
                               : train.size();
    LOOM_ASSIGN_OR_RETURN(
        TrainValidationSplit split,
        splitTrainValidation(n, model.training.validation_fraction(), model.training.seed()));
    LOOM_ASSIGN_OR_RETURN(o.normalization,
                          normalizationFor(*kind, model.dataset, train, split.train));
  }
  return evaluationLoaderOptions(o);
}

Expected<EvalMetrics> evaluate(const Model& modelIn, std::int64_t batchSize,
                               const std::function<void(const TrainProgress&)>& onProgress) {
  if (batchSize < 1)
    return invalidArgument("the evaluation batch size must be at least 1, got " +
                           std::to_string(batchSize));
  Model model = modelIn;
  applyDefaults(model);
  ScopedComputeThreads threads(model.training.threads());
  auto analysis = std::make_shared<const GraphAnalysis>(
      analyzeGraph(model.graph, OpRegistry::global(), batchSize));
  LOOM_RETURN_IF_ERROR(analysis->status);
  LOOM_ASSIGN_OR_RETURN(
      ParameterSet params,
      ParameterSet::create(model.graph, *analysis, model.parameters, model.training.seed()));
  LOOM_ASSIGN_OR_RETURN(Dataset test, loadTestData(model, *analysis));
  LOOM_ASSIGN_OR_RETURN(std::string input, findInput(model, *analysis, test));
  LOOM_ASSIGN_OR_RETURN(BatchLoaderOptions options, standaloneEvalOptions(model, batchSize));
  const auto backends = defaultBackends();
  std::vector<Backend*> raw;
  for (const auto& b : backends) raw.push_back(b.get());
  EvalPlans plans(model.graph, params, analysis, batchSize, raw);
  return evaluateTestSplit(model, test, input, plans, options, 0, onProgress);
}

}  // namespace loom
