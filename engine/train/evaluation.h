// Scoring a model on held-out batches (internal to engine/train): the validation split after
// each epoch, the test split at the end of a run, and `loom eval` (evaluate() in trainer.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/batch_loader.h"
#include "engine/exec/plan.h"
#include "engine/graph/model.h"
#include "engine/train/train_metrics.h"

namespace loom {

/// Inference plans of one graph, compiled on first use, one per batch size (the last
/// partial batch of a split gets its own), all from one analysis: the base analysis is
/// used as is for its own batch size and re-derived (analysisForBatch) for the others.
class EvalPlans {
 public:
  /// `base` is `graph` analysed at batch `baseBatch`. `graph`, `params` and the backends
  /// must outlive the plans.
  EvalPlans(const Graph& graph, ParameterSet& params, std::shared_ptr<const GraphAnalysis> base,
            std::int64_t baseBatch, std::vector<Backend*> backends);
  /// The inference plan for `batch`, compiled on first use with
  /// PlanOptions::constantParameters: it reorders the weights once per evaluation, not per
  /// batch.
  Expected<Plan*> get(std::int64_t batch);
  /// The parameters changed (training steps ran): every plan converts them again on its next
  /// forward. runEvaluation() calls it before its first batch.
  void parametersChanged();

 private:
  const Graph& m_graph;
  ParameterSet& m_params;
  std::shared_ptr<const GraphAnalysis> m_base;
  std::int64_t m_baseBatch;
  std::vector<Backend*> m_backends;
  std::map<std::int64_t, Plan> m_plans;
};

/// Sees every evaluation batch's logits [B, classes] and labels (I64 [B]), for metrics beyond
/// loss and accuracy (the confusion matrix of the event log).
using EvalBatchObserver = std::function<void(const Tensor& logits, const Tensor& labels)>;

/// Counts (true class, predicted class = first maximum) over the batches it observes.
class ConfusionCounter {
 public:
  explicit ConfusionCounter(std::int64_t classes);
  EvalBatchObserver observer();
  /// classes × classes, row = true class, row-major.
  const std::vector<std::int64_t>& counts() const { return m_counts; }

 private:
  std::int64_t m_classes;
  std::vector<std::int64_t> m_counts;
};

/// Scores every batch of one epoch of `loader` (index order). Progress reports carry
/// `phase` and `epoch`. NonFinite, naming the first node at fault, when a batch's logits are
/// not all finite (a NaN logit would otherwise be scored as a tie).
Expected<EvalMetrics> runEvaluation(const Model& model, EvalPlans& plans, const std::string& input,
                                    BatchLoader& loader, TrainProgress::Phase phase,
                                    std::int64_t epoch,
                                    const std::function<void(const TrainProgress&)>& onProgress,
                                    const EvalBatchObserver& onBatch = {});

/// Evaluates `test` (already checked against the model's input) with the evaluation loader
/// options `options` (normalisation of the run), the first test_limit samples.
Expected<EvalMetrics> evaluateTestSplit(const Model& model, const Dataset& test,
                                        const std::string& input, EvalPlans& plans,
                                        const BatchLoaderOptions& options, std::int64_t epoch,
                                        const std::function<void(const TrainProgress&)>& onProgress,
                                        const EvalBatchObserver& onBatch = {});

/// Loader options for running `model` over data outside a training run (`loom eval`, embedding
/// extraction): batch size `batchSize`, the run's seed, and the dataset kind's normalisation,
/// computed from the same training rows a run uses when the kind standardises features (so the
/// numbers match what the model saw in training).
Expected<BatchLoaderOptions> standaloneEvalOptions(const Model& model, std::int64_t batchSize);

}  // namespace loom
