// The data side of a run (internal to engine/train): the model's data set loaded through
// its DatasetKind (data/dataset_registry.h), checked against the model's Input and output,
// split into training and validation samples, with the loader options for each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/data/batch_loader.h"
#include "engine/data/dataset.h"
#include "engine/data/dataset_registry.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

namespace loom {

/// The kind named by `config.kind()`; InvalidArgument lists the known kinds.
Expected<const DatasetKind*> findDatasetKind(const pb::DatasetConfig& config);

/// Indices 0 .. min(n, limit) - 1 (limit <= 0: all n).
std::vector<std::int64_t> firstIndices(std::int64_t n, std::int64_t limit);

/// The model's single Input node, checked against the data set's sample shape.
Expected<std::string> findInput(const Model& model, const GraphAnalysis& analysis,
                                const Dataset& data);

/// The normalisation `kind` prescribes: the config's pixel mean/std, or per-feature
/// statistics of the rows `trainIndices` of `trainData`.
Expected<Normalization> normalizationFor(const DatasetKind& kind, const pb::DatasetConfig& config,
                                         const Dataset& trainData,
                                         const std::vector<std::int64_t>& trainIndices);

/// `training` options for scoring: index order, no augmentation, the last partial batch kept.
BatchLoaderOptions evaluationLoaderOptions(BatchLoaderOptions training);

/// The training split of a run, ready to iterate.
struct TrainingData {
  const DatasetKind* kind = nullptr;
  Dataset dataset;           ///< the whole training split as loaded
  std::int64_t samples = 0;  ///< after train_limit (training + validation)
  std::string input;         ///< the Input node fed by the data
  std::int64_t classes = 0;
  BatchLoaderOptions evalOptions;  ///< validation and test batches
  std::unique_ptr<BatchLoader> train;
  std::unique_ptr<BatchLoader> validation;  ///< null without a validation split
};

/// Loads and checks the training split of `model` (defaults applied) for `analysis` at the
/// training batch size: the sample shape fits the Input node, the output node produces one
/// logit per class, at least one full batch remains after the validation split. With
/// shardCount > 1 the training loader yields shard `shardRank` of every global step
/// (BatchLoaderOptions::shardRank); validation is not sharded.
Expected<TrainingData> loadTrainingData(const Model& model, const GraphAnalysis& analysis,
                                        int shardRank = 0, int shardCount = 1);

/// Loads the test split and checks it against the model's Input node.
Expected<Dataset> loadTestData(const Model& model, const GraphAnalysis& analysis);

}  // namespace loom
