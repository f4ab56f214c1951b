#include "engine/train/run_log.h"

#include <unistd.h>

#include <cstdio>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/train/event_log.h"

namespace loom {

RunLog::RunLog(std::string path, bool enabled) : m_path(std::move(path)), m_enabled(enabled) {}

Status RunLog::start(const RunDescription& d, std::int64_t resumedAtEpoch) {
  if (!m_enabled) return Status::ok();
  nlohmann::json earlier = nlohmann::json::array();
  if (resumedAtEpoch >= 0) {
    if (auto text = readFile(m_path)) {
      auto old = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (old.is_object() && old.contains("epoch_metrics") && old["epoch_metrics"].is_array())
        for (const auto& e : old["epoch_metrics"])
          if (e.is_object() && e.contains("epoch") && e["epoch"].is_number_integer() &&
              e["epoch"].get<std::int64_t>() <= resumedAtEpoch)  // "epoch" is 1-based
            earlier.push_back(e);
      if (old.is_object() && old.contains("best_metric") && old["best_metric"].is_object() &&
          old["best_metric"].value("epoch", std::int64_t{0}) <= resumedAtEpoch)
        m_best = old["best_metric"];
    }
  }
  m_json = nlohmann::json::object();
  m_json["format_version"] = 1;
  m_json["model"] = d.model;
  m_json["model_hash"] = d.modelHash;
  m_json["host"] = hostName();
  m_json["pid"] = static_cast<std::int64_t>(::getpid());
  m_json["threads"] = d.threads;
  m_json["seed"] = d.seed;
  m_json["batch_size"] = d.batchSize;
  m_json["world_size"] = d.worldSize;
  m_json["epochs"] = d.epochs;
  m_json["optimizer"] = {{"type", d.optimizer}, {"learning_rate", d.learningRate}};
  m_json["dataset"] = {{"kind", d.datasetKind},
                       {"source", d.datasetSource},
                       {"samples", d.samples},
                       {"fingerprint", d.dataFingerprint}};
  m_json["backends"] = d.backends;
  if (!d.frozen.nodes.empty())
    m_json["frozen"] = {{"until", d.frozen.until},
                        {"nodes", d.frozen.nodes},
                        {"tensors", d.frozen.tensors},
                        {"parameters", d.frozen.parameters}};
  m_json["status"] = trainStatusName(TrainStatus::Running);
  m_json["global_step"] = 0;
  m_json["epoch_metrics"] = earlier;
  if (!m_best.is_null()) m_json["best_metric"] = m_best;
  return save();
}

void RunLog::addEpoch(const EpochMetrics& m, std::int64_t globalStep) {
  const bool validated = m.validationLoss >= 0;
  const double value = validated ? m.validationAccuracy : m.trainAccuracy;
  if (m_best.is_null() || value > m_best.value("value", -1.0)) {
    // Named by its event tag, so a reader can find the curve the best value comes from.
    m_best = {{"name", std::string(event_tags::kAccuracy) + (validated ? "validation" : "train")},
              {"value", value},
              {"epoch", m.epoch + 1},
              {"step", globalStep}};
  }
  m_json["best_metric"] = m_best;
  nlohmann::json e = {{"epoch", m.epoch + 1},
                      {"train_loss", m.trainLoss},
                      {"train_accuracy", m.trainAccuracy},
                      {"learning_rate", m.learningRate},
                      {"seconds", m.seconds},
                      {"samples_per_second", m.samplesPerSecond}};
  if (m.validationLoss >= 0) {
    e["validation_loss"] = m.validationLoss;
    e["validation_accuracy"] = m.validationAccuracy;
  }
  m_json["epoch_metrics"].push_back(std::move(e));
}

void RunLog::setTest(const EvalMetrics& m) {
  m_json["test"] = {{"loss", m.loss}, {"accuracy", m.accuracy}, {"samples", m.samples}};
}

void RunLog::setStatus(TrainStatus status, std::int64_t globalStep, const std::string& detail) {
  m_json["status"] = trainStatusName(status);
  m_json["global_step"] = globalStep;
  m_json.erase("error");
  m_json.erase("checkpoint");
  if (status == TrainStatus::Diverged || status == TrainStatus::Failed) m_json["error"] = detail;
  if (status == TrainStatus::Stopped) m_json["checkpoint"] = detail;
}

void RunLog::setTrainSeconds(double seconds) {
  m_json["train_seconds"] = seconds;
}

Status RunLog::save() {
  if (!m_enabled) return Status::ok();
  // Strings from model files need not be UTF-8: replace bad bytes instead of throwing.
  return writeFileAtomically(
      m_path, m_json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
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

}  // namespace loom
