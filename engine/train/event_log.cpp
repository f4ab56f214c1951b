#include "engine/train/event_log.h"

#include <algorithm>
#include <cstdio>

#include "engine/events/confusion.h"
#include "engine/train/attribution_log.h"
#include "engine/train/freeze.h"
#include "engine/train/settings.h"

namespace loom {

namespace {

using events::HParamValue;

std::string modelSummary(const Model& model, const GraphAnalysis& a) {
  std::string out = "**" + model.name + "**";
  if (!model.description.empty()) out += ": " + model.description;
  out += "\n\n| node | op | output | parameters |\n|---|---|---|---|\n";
  for (int idx : a.order) {
    const Node& n = model.graph.nodes()[static_cast<std::size_t>(idx)];
    const NodeAnalysis& na = a.nodes[static_cast<std::size_t>(idx)];
    out += "| " + n.name + " | " + n.op + " | " + dimsToString(na.shape.output) + " | " +
           std::to_string(na.cost.params) + " |\n";
  }
  out += "\nTotal: " + std::to_string(a.total.params) + " parameters.\n";
  // Transfer learning: which nodes the run keeps as they are (freeze.h).
  if (auto frozen = resolveFrozenSet(model.graph, model.training.freeze_until());
      frozen && !frozen->nodes.empty()) {
    out += "\nFrozen (training.freeze_until \"" + frozen->until + "\"):";
    for (const std::string& n : frozen->nodes) out += " " + n;
    out += "\n";
  }
  return out;
}

/// Every setting of the schema as an hparam (numbers, names and booleans; lists as text).
std::map<std::string, HParamValue> hyperparameters(const Model& model) {
  std::map<std::string, HParamValue> out;
  for (const SettingSpec& spec : settingSpecs()) {
    const SettingValue v = getSetting(spec, model.training, model.dataset);
    const std::string name = spec.path;
    if (const bool* b = std::get_if<bool>(&v))
      out[name] = *b;
    else if (const auto* i = std::get_if<std::int64_t>(&v))
      out[name] = static_cast<double>(*i);
    else if (const auto* u = std::get_if<std::uint64_t>(&v))
      out[name] = static_cast<double>(*u);
    else if (const double* d = std::get_if<double>(&v))
      out[name] = *d;
    else if (const auto* s = std::get_if<std::string>(&v))
      out[name] = *s;
    else if (const auto* list = std::get_if<std::vector<std::int64_t>>(&v)) {
      std::string text;
      for (std::int64_t e : *list) text += (text.empty() ? "" : ",") + std::to_string(e);
      out[name] = text;
    }
  }
  out["model"] = model.name;
  return out;
}

}  // namespace

std::vector<float> sampleForHistogram(const Tensor& t, std::int64_t limit) {
  std::vector<float> out;
  if (t.empty() || t.dtype() != DType::F32) return out;
  const std::int64_t n = t.numel();
  const float* p = t.f32();
  if (n <= limit) return std::vector<float>(p, p + n);
  out.resize(static_cast<std::size_t>(limit));
  // Element i of the sample is element floor(i * n / limit): evenly spread over the tensor.
  for (std::int64_t i = 0; i < limit; ++i) out[static_cast<std::size_t>(i)] = p[i * n / limit];
  return out;
}

Expected<std::unique_ptr<TrainingEventLog>> TrainingEventLog::open(const std::string& runDir,
                                                                   const Model& model,
                                                                   const GraphAnalysis& analysis,
                                                                   std::int64_t histogramEvery) {
  LOOM_ASSIGN_OR_RETURN(auto writer, events::EventWriter::open(runDir));
  std::unique_ptr<TrainingEventLog> log(new TrainingEventLog());
  log->m_writer = std::move(writer);
  log->m_histogramEvery = std::max<std::int64_t>(1, histogramEvery);
  log->m_writer->text(event_tags::kModelSummary, 0, modelSummary(model, analysis));
  const auto hparams = hyperparameters(model);
  std::vector<std::string> names;
  for (const auto& [name, _] : hparams) names.push_back(name);
  log->m_writer->experiment(names, {"loss/validation", "accuracy/validation", "loss/test",
                                    "accuracy/test", "loss/train", "accuracy/train"});
  log->m_writer->sessionStart(hparams, model.name);
  return log;
}

TrainingEventLog::~TrainingEventLog() = default;

TensorTap TrainingEventLog::tap(TensorTap user) {
  return [this, user = std::move(user)](const std::string& node, const Tensor& value,
                                        bool isGradient) {
    if (user) user(node, value, isGradient);
    if (!m_capture) return;
    m_captured.emplace_back(
        node + (isGradient ? event_tags::kActivationGradient : event_tags::kActivation),
        sampleForHistogram(value, kHistogramSampleLimit));
  };
}

void TrainingEventLog::beginStep(std::int64_t globalStep) {
  m_step = globalStep;
  m_capture = globalStep % m_histogramEvery == 0;
  m_captured.clear();
}

void TrainingEventLog::endStep(std::int64_t globalStep, double batchLoss, double batchAccuracy,
                               double learningRate, double samplesPerSecond,
                               const std::vector<Parameter>& params) {
  std::vector<std::pair<std::string, double>> scalars = {{event_tags::kLossStep, batchLoss},
                                                         {event_tags::kAccuracyStep, batchAccuracy},
                                                         {event_tags::kLearningRate, learningRate}};
  if (samplesPerSecond > 0) scalars.emplace_back(event_tags::kSamplesPerSecond, samplesPerSecond);
  m_writer->scalars(globalStep, scalars);
  if (!m_capture) return;
  m_capture = false;
  for (auto& [tag, values] : m_captured) m_writer->histogram(tag, globalStep, std::move(values));
  m_captured.clear();
  for (const Parameter& p : params) {
    m_writer->histogram(p.name + "/value", globalStep,
                        sampleForHistogram(p.value, kHistogramSampleLimit));
    if (p.trainable && !p.grad.empty()) {
      m_writer->histogram(p.name + "/gradient", globalStep,
                          sampleForHistogram(p.grad, kHistogramSampleLimit));
    }
  }
}

void TrainingEventLog::workerHealth(std::int64_t globalStep,
                                    const std::vector<std::array<double, 3>>& perRank) {
  static constexpr const char* kNames[3] = {"/step_ms", "/data_wait_ms", "/allreduce_ms"};
  std::vector<std::pair<std::string, double>> scalars;
  for (size_t r = 0; r < perRank.size(); ++r)
    for (size_t i = 0; i < 3; ++i)
      scalars.emplace_back(event_tags::kWorkers + std::to_string(r) + kNames[i], perRank[r][i]);
  m_writer->scalars(globalStep, scalars);
}

void TrainingEventLog::epoch(const EpochMetrics& m, std::int64_t globalStep) {
  std::vector<std::pair<std::string, double>> scalars = {
      {std::string(event_tags::kLoss) + "train", m.trainLoss},
      {std::string(event_tags::kAccuracy) + "train", m.trainAccuracy},
      {event_tags::kEpoch, static_cast<double>(m.epoch + 1)},
      {event_tags::kEpochSeconds, m.seconds}};
  if (m.validationLoss >= 0) {
    scalars.emplace_back(std::string(event_tags::kLoss) + "validation", m.validationLoss);
    scalars.emplace_back(std::string(event_tags::kAccuracy) + "validation", m.validationAccuracy);
  }
  m_writer->scalars(globalStep, scalars);
}

void TrainingEventLog::test(const EvalMetrics& m, std::int64_t globalStep) {
  m_writer->scalars(globalStep, {{std::string(event_tags::kLoss) + "test", m.loss},
                                 {std::string(event_tags::kAccuracy) + "test", m.accuracy}});
}

void TrainingEventLog::confusion(const std::string& split, std::int64_t globalStep,
                                 const std::vector<std::int64_t>& counts,
                                 const std::vector<std::string>& classes) {
  m_writer->text(event_tags::kConfusion + split, globalStep,
                 events::confusionMarkdown(counts, classes));
}

namespace {

/// A planar U8 [C, H, W] image as the writer takes it: H x W x C bytes, interleaved.
std::vector<std::uint8_t> interleaved(const Tensor& planar) {
  const std::int64_t channels = planar.dim(0), plane = planar.dim(1) * planar.dim(2);
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(plane * channels));
  const auto* src = planar.data<std::uint8_t>();
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t p = 0; p < plane; ++p)
      pixels[static_cast<std::size_t>(p * channels + c)] = src[c * plane + p];
  return pixels;
}

}  // namespace

void TrainingEventLog::rgbImage(const std::string& tag, std::int64_t globalStep,
                                const Tensor& rgb) {
  m_writer->image(tag, globalStep, static_cast<int>(rgb.dim(2)), static_cast<int>(rgb.dim(1)), 3,
                  interleaved(rgb));
}

void TrainingEventLog::probe(std::int64_t globalStep, const Dataset& data,
                             const std::vector<std::int64_t>& indices,
                             const std::vector<std::int64_t>& predicted) {
  const Dims& d = data.images.dims();
  if (d.size() != 4 || (d[1] != 1 && d[1] != 3)) return;  // images only (not feature rows)
  const int channels = static_cast<int>(d[1]), height = static_cast<int>(d[2]),
            width = static_cast<int>(d[3]);
  const auto* labels = data.labels.data<std::int64_t>();
  std::string table = "| sample | true | predicted |\n|---|---|---|\n";
  for (std::size_t k = 0; k < indices.size() && k < predicted.size(); ++k) {
    const std::int64_t i = indices[k];
    char tag[32];
    std::snprintf(tag, sizeof tag, "%s%02zu", event_tags::kProbeImage, k);
    m_writer->image(tag, globalStep, width, height, channels, interleaved(probeImageU8(data, i)));
    auto name = [&](std::int64_t c) {
      return c >= 0 && c < static_cast<std::int64_t>(data.classNames.size())
                 ? data.classNames[static_cast<std::size_t>(c)]
                 : std::to_string(c);
    };
    table += "| " + std::to_string(k) + " | " + name(labels[i]) + " | " + name(predicted[k]) +
             (labels[i] == predicted[k] ? "" : " ✗") + " |\n";
  }
  m_writer->text(event_tags::kProbeLabels, globalStep, table);
}

void TrainingEventLog::end(TrainStatus status) {
  using events::SessionStatus;
  switch (status) {
    case TrainStatus::Completed:
      m_writer->sessionEnd(SessionStatus::Success);
      break;
    case TrainStatus::Diverged:
    case TrainStatus::Failed:
      m_writer->sessionEnd(SessionStatus::Failure);
      break;
    case TrainStatus::Stopped:
      m_writer->sessionEnd(SessionStatus::Unknown);
      break;
    case TrainStatus::Ready:
    case TrainStatus::Running:
    case TrainStatus::Paused:
      break;
  }
}

Status TrainingEventLog::flush() {
  return m_writer->flush();
}

}  // namespace loom
