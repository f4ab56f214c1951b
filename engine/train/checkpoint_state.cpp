#include "engine/train/checkpoint_state.h"

#include <map>

#include "engine/train/trainer.h"

namespace loom {

CheckpointData makeCheckpoint(const std::string& hash, const TrainerState& state,
                              ParameterSet& params, Optimizer& optimizer) {
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

Status restoreCheckpoint(const CheckpointData& ck, const std::string& path, ParameterSet& params,
                         Optimizer* optimizer) {
  std::map<std::string, const Tensor*> byName;
  std::string optimizerTensors;
  for (const auto& [name, t] : ck.tensors) {
    byName[name] = &t;
    if (name.rfind("optim/", 0) == 0 && name != "optim/step_count" && optimizerTensors.size() < 200)
      optimizerTensors += (optimizerTensors.empty() ? "" : ", ") + name.substr(6);
  }
  const std::string where = "checkpoint \"" + path + "\"";
  auto restore = [&](const std::string& key, Tensor& into) -> Status {
    auto it = byName.find(key);
    if (it == byName.end()) {
      if (key.rfind("optim/", 0) == 0)
        return Status(
            ErrorCode::ModelMismatch,
            where + " has no optimizer state \"" + key.substr(6) +
                "\": was the run started with another optimizer? (the checkpoint holds: " +
                (optimizerTensors.empty() ? std::string("none") : optimizerTensors) + ")");
      return Status(ErrorCode::ModelMismatch, where + " has no tensor \"" + key + "\"");
    }
    if (it->second->dims() != into.dims() || it->second->dtype() != into.dtype())
      return Status(ErrorCode::ModelMismatch, where + ": tensor \"" + key + "\" has shape " +
                                                  dimsToString(it->second->dims()) + ", expected " +
                                                  dimsToString(into.dims()));
    into.copyFrom(*it->second);
    return Status::ok();
  };
  for (auto& p : params.all()) LOOM_RETURN_IF_ERROR(restore("param/" + p.name, p.value));
  if (optimizer) {
    for (auto& [name, t] : optimizer->stateTensors())
      LOOM_RETURN_IF_ERROR(restore("optim/" + name, *t));
    Tensor steps(Dims{1}, DType::I64);
    LOOM_RETURN_IF_ERROR(restore("optim/step_count", steps));
    optimizer->setStepCount(steps.data<std::int64_t>()[0]);
  }
  return Status::ok();
}

Status checkResumePosition(const TrainerState& s, const std::string& path, std::int64_t epochs,
                           std::int64_t stepsPerEpoch) {
  const std::string where = "checkpoint \"" + path + "\"";
  if (s.epoch < 0 || s.stepInEpoch < 0 || s.globalStep < 0 || s.epochSamples < 0)
    return Status(ErrorCode::DataCorrupt, where + " holds a negative position (epoch " +
                                              std::to_string(s.epoch) + ", step " +
                                              std::to_string(s.stepInEpoch) + ", global step " +
                                              std::to_string(s.globalStep) + ")");
  if (s.stepInEpoch >= stepsPerEpoch)
    return Status(ErrorCode::DataCorrupt,
                  where + " is at step " + std::to_string(s.stepInEpoch) + " of epoch " +
                      std::to_string(s.epoch + 1) + ", but an epoch of this run has " +
                      std::to_string(stepsPerEpoch) +
                      " steps: were the batch size or the data limits changed?");
  if (s.epoch > epochs)
    return Status(ErrorCode::DataCorrupt, where + " is at epoch " + std::to_string(s.epoch + 1) +
                                              ", beyond the " + std::to_string(epochs) +
                                              " epochs of this run");
  return Status::ok();
}

Status checkResumeGlobalBatch(const TrainerState& s, const std::string& path,
                              std::int64_t batchSize, int worldSize) {
  const std::int64_t global = batchSize * worldSize;
  if (s.stepInEpoch == 0 || s.epochSamples == s.stepInEpoch * global) return Status::ok();
  // The checkpoint's own global batch: the samples it consumed over the steps it took.
  const std::int64_t written = s.epochSamples / s.stepInEpoch;
  std::string fit;
  if (written % worldSize == 0)
    fit = ": use --batch-size " + std::to_string(written / worldSize) + " at " +
          std::to_string(worldSize) + " rank(s) to continue where it stopped";
  else
    fit = ", which " + std::to_string(worldSize) + " rank(s) cannot split evenly";
  return Status(ErrorCode::InvalidArgument,
                "checkpoint \"" + path + "\" stopped after " + std::to_string(s.epochSamples) +
                    " samples of epoch " + std::to_string(s.epoch + 1) + " in global batches of " +
                    std::to_string(written) + ", but this run's global batch is " +
                    std::to_string(global) + " (" + std::to_string(batchSize) + " x " +
                    std::to_string(worldSize) + " rank(s))" + fit);
}

Status loadCheckpointParameters(Model& model, const std::string& checkpointPath) {
  applyDefaults(model);
  GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  LOOM_ASSIGN_OR_RETURN(ParameterSet params,
                        ParameterSet::create(model.graph, analysis, {}, model.training.seed()));
  LOOM_ASSIGN_OR_RETURN(CheckpointData ck,
                        readCheckpoint(checkpointPath, modelStructureHash(model)));
  LOOM_RETURN_IF_ERROR(restoreCheckpoint(ck, checkpointPath, params, nullptr));
  model.parameters = params.values();
  return Status::ok();
}

}  // namespace loom
