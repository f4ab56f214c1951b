#include "engine/train/training_data.h"

#include <algorithm>

#include "engine/data/transforms.h"

namespace loom {

Expected<const DatasetKind*> findDatasetKind(const pb::DatasetConfig& config) {
  const DatasetKind* kind = DatasetRegistry::global().find(config.kind());
  if (!kind)
    return invalidArgument("dataset kind \"" + config.kind() +
                           "\" is not one of: " + DatasetRegistry::global().namesForMessage());
  return kind;
}

std::vector<std::int64_t> firstIndices(std::int64_t n, std::int64_t limit) {
  std::vector<std::int64_t> v(static_cast<size_t>(limit > 0 ? std::min(n, limit) : n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(i);
  return v;
}

Expected<std::string> findInput(const Model& model, const GraphAnalysis& a, const Dataset& data) {
  std::vector<std::string> inputs;
  for (const Node& node : model.graph.nodes())
    if (node.op == "Input") inputs.push_back(node.name);
  if (inputs.size() != 1)
    return Status(ErrorCode::InvalidGraph, "training needs exactly one Input node, the model has " +
                                               std::to_string(inputs.size()));
  const auto& out = a.nodes[static_cast<size_t>(model.graph.indexOf(inputs[0]))].shape.output;
  Dims modelSample(out.begin() + 1, out.end());
  Dims dataSample(data.images.dims().begin() + 1, data.images.dims().end());
  if (numElements(modelSample) != numElements(dataSample) ||
      (modelSample.size() == dataSample.size() && modelSample != dataSample))
    return shapeMismatch("Input node \"" + inputs[0] + "\" expects samples of shape " +
                         dimsToString(modelSample) + " but the data set " + data.source +
                         " provides " + dimsToString(dataSample));
  return inputs[0];
}

Expected<Normalization> normalizationFor(const DatasetKind& kind, const pb::DatasetConfig& config,
                                         const Dataset& trainData,
                                         const std::vector<std::int64_t>& trainIndices) {
  switch (kind.normalization) {
    case DatasetNormalization::PixelMeanStd:
      return Normalization::uniform(config.mean(), config.std());
    case DatasetNormalization::FeatureStandardize:
      return featureStandardization(trainData, trainIndices);
  }
  return internalError("unknown normalisation of dataset kind \"" + kind.name + "\"");
}

BatchLoaderOptions evaluationLoaderOptions(BatchLoaderOptions training) {
  training.shuffle = false;
  training.dropLast = false;
  training.augmentation = {};
  return training;
}

Expected<TrainingData> loadTrainingData(const Model& model, const GraphAnalysis& analysis,
                                        int shardRank, int shardCount) {
  const pb::TrainingConfig& tc = model.training;
  TrainingData d;
  LOOM_ASSIGN_OR_RETURN(d.kind, findDatasetKind(model.dataset));
  LOOM_ASSIGN_OR_RETURN(d.dataset, d.kind->load(model.dataset, Split::Train));
  LOOM_ASSIGN_OR_RETURN(d.input, findInput(model, analysis, d.dataset));
  const Dims& outDims =
      analysis.nodes[static_cast<size_t>(model.graph.indexOf(analysis.outputNode))].shape.output;
  d.classes = static_cast<std::int64_t>(d.dataset.classNames.size());
  if (outDims.size() != 2 || outDims[1] != d.classes)
    return shapeMismatch("the output node \"" + analysis.outputNode + "\" produces " +
                         dimsToString(outDims) + " but the data set has " +
                         std::to_string(d.classes) + " classes (expected [" +
                         std::to_string(tc.batch_size()) + ", " + std::to_string(d.classes) + "])");
  d.samples = model.dataset.train_limit() > 0
                  ? std::min<std::int64_t>(d.dataset.size(), model.dataset.train_limit())
                  : d.dataset.size();
  LOOM_ASSIGN_OR_RETURN(TrainValidationSplit split,
                        splitTrainValidation(d.samples, tc.validation_fraction(), tc.seed()));
  BatchLoaderOptions lo;
  lo.batchSize = tc.batch_size();
  lo.seed = tc.seed();
  LOOM_ASSIGN_OR_RETURN(lo.normalization,
                        normalizationFor(*d.kind, model.dataset, d.dataset, split.train));
  lo.augmentation.cropPadding = model.dataset.augmentation().random_crop_padding();
  lo.augmentation.horizontalFlip = model.dataset.augmentation().horizontal_flip();
  const auto trainSamples = static_cast<std::int64_t>(split.train.size());
  d.evalOptions = evaluationLoaderOptions(lo);
  lo.shardRank = shardRank;
  lo.shardCount = shardCount;
  LOOM_ASSIGN_OR_RETURN(d.train, BatchLoader::create(d.dataset, std::move(split.train), lo));
  if (d.train->stepsPerEpoch() == 0)
    return invalidArgument("the training set has " + std::to_string(trainSamples) +
                           " samples, fewer than one batch of " +
                           std::to_string(std::int64_t{tc.batch_size()} * shardCount) +
                           (shardCount > 1 ? " (" + std::to_string(shardCount) + " ranks of " +
                                                 std::to_string(tc.batch_size()) + ")"
                                           : std::string()));
  if (!split.validation.empty()) {
    LOOM_ASSIGN_OR_RETURN(
        d.validation, BatchLoader::create(d.dataset, std::move(split.validation), d.evalOptions));
  }
  return d;
}

Expected<Dataset> loadTestData(const Model& model, const GraphAnalysis& analysis) {
  LOOM_ASSIGN_OR_RETURN(const DatasetKind* kind, findDatasetKind(model.dataset));
  if (!kind->hasTestSplit)
    return notFound("dataset kind \"" + kind->name + "\" (" + model.dataset.path() +
                    ") has no test split");
  LOOM_ASSIGN_OR_RETURN(Dataset test, kind->load(model.dataset, Split::Test));
  LOOM_RETURN_IF_ERROR(findInput(model, analysis, test).status());
  return test;
}

}  // namespace loom
