#include "engine/optim/optimizer.h"

#include <algorithm>
#include <cmath>

#include "engine/optim/optimizers.h"
#include "engine/proto/loom.pb.h"

namespace loom {

const char* optimizerKindName(OptimizerKind kind) {
  return optimizerNames()[static_cast<std::size_t>(kind)].c_str();
}

namespace {

constexpr const char* kPrefix = "training.optimizer.";

pb::OptimizerConfig toConfig(const OptimizerSettings& s) {
  pb::OptimizerConfig c;
  c.set_type(optimizerKindName(s.kind));
  c.set_momentum(s.momentum);
  c.set_nesterov(s.nesterov);
  c.set_weight_decay(s.weightDecay);
  c.set_beta1(s.beta1);
  c.set_beta2(s.beta2);
  c.set_epsilon(s.epsilon);
  c.set_rho(s.alpha);
  return c;
}

}  // namespace

Status validateOptimizerSettings(const OptimizerSettings& s) {
  pb::TrainingConfig t;
  *t.mutable_optimizer() = toConfig(s);
  SettingsCheck check;
  check.pathPrefix = kPrefix;
  for (const SettingSpec& spec : settingSpecs())  // resolved values are all explicit
    if (spec.path.starts_with(kPrefix) && spec.path != "training.optimizer.learning_rate")
      check.givenAs[spec.path] = "";
  return validateTrainingSettings(t, pb::DatasetConfig(), check);
}

Expected<OptimizerSettings> resolveOptimizerConfig(const pb::OptimizerConfig& config) {
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  *t.mutable_optimizer() = config;
  SettingsCheck check;
  check.pathPrefix = kPrefix;
  LOOM_RETURN_IF_ERROR(validateTrainingSettings(t, d, check));
  applyTrainingDefaults(t, d);
  const pb::OptimizerConfig& o = t.optimizer();
  const auto& names = optimizerNames();
  OptimizerSettings s;
  s.kind =
      static_cast<OptimizerKind>(std::find(names.begin(), names.end(), o.type()) - names.begin());
  s.momentum = o.momentum();
  s.nesterov = o.nesterov();
  s.weightDecay = o.weight_decay();
  s.beta1 = o.beta1();
  s.beta2 = o.beta2();
  s.epsilon = o.epsilon();
  s.alpha = o.rho();
  return s;
}

double baseLearningRate(const pb::OptimizerConfig& config) {
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  *t.mutable_optimizer() = config;
  applyTrainingDefaults(t, d);
  return t.optimizer().learning_rate();
}

Status Optimizer::checkParameters(const std::vector<Parameter>& params) const {
  std::size_t k = 0;
  for (const auto& p : params) {
    if (!p.trainable) continue;
    if (p.grad.empty())
      return invalidArgument("trainable parameter \"" + p.name + "\" has no gradient tensor");
    if (p.value.dtype() != DType::F32 || p.grad.dtype() != DType::F32)
      return invalidArgument("parameter \"" + p.name + "\" must be F32 (value and gradient)");
    if (p.grad.dims() != p.value.dims() || p.grad.layout() != p.value.layout())
      return invalidArgument("gradient of \"" + p.name + "\" is " + dimsToString(p.grad.dims()) +
                             " " + layoutName(p.grad.layout()) + " but the value is " +
                             dimsToString(p.value.dims()) + " " + layoutName(p.value.layout()));
    if (m_slots.empty()) continue;
    if (k >= m_slots.size() || m_slots[k].name != p.name || m_slots[k].dims != p.value.dims())
      return invalidArgument(
          "optimizer state was created for other parameters: trainable parameter " +
          std::to_string(k) + " is \"" + p.name + "\" " + dimsToString(p.value.dims()) +
          (k < m_slots.size()
               ? ", the state has \"" + m_slots[k].name + "\" " + dimsToString(m_slots[k].dims)
               : ", the state has only " + std::to_string(m_slots.size())));
    for (const Tensor& slot : m_slots[k].slots)
      if (slot.layout() != p.value.layout())
        return invalidArgument("optimizer state of \"" + p.name + "\" is " +
                               layoutName(slot.layout()) + " but the value is " +
                               layoutName(p.value.layout()));
    ++k;
  }
  if (!m_slots.empty() && k != m_slots.size())
    return invalidArgument("optimizer state has " + std::to_string(m_slots.size()) +
                           " parameters but " + std::to_string(k) + " trainable ones were given");
  return Status::ok();
}

Status Optimizer::initializeState(const std::vector<Parameter>& params) {
  m_slots.clear();
  LOOM_RETURN_IF_ERROR(checkParameters(params));
  const auto names = slotNames();
  for (const auto& p : params) {
    if (!p.trainable) continue;
    Entry e;
    e.name = p.name;
    e.dims = p.value.dims();
    for (std::size_t i = 0; i < names.size(); ++i)
      e.slots.emplace_back(p.value.dims(), DType::F32, p.value.layout());
    m_slots.push_back(std::move(e));
  }
  return Status::ok();
}

Status Optimizer::step(std::vector<Parameter>& params, double learningRate) {
  if (!std::isfinite(learningRate) || learningRate < 0)
    return invalidArgument("learning rate must be finite and >= 0, got " +
                           std::to_string(learningRate));
  if (m_slots.empty()) {
    LOOM_RETURN_IF_ERROR(initializeState(params));
  } else {
    LOOM_RETURN_IF_ERROR(checkParameters(params));
  }
  ++m_step;
  std::size_t k = 0;
  for (auto& p : params) {
    if (!p.trainable) continue;
    update(p, m_slots[k++].slots, learningRate, m_step);
  }
  return Status::ok();
}

std::vector<std::pair<std::string, Tensor*>> Optimizer::stateTensors() {
  std::vector<std::pair<std::string, Tensor*>> out;
  const auto names = slotNames();
  const std::string prefix = optimizerKindName(m_settings.kind);
  for (auto& e : m_slots)
    for (std::size_t i = 0; i < e.slots.size(); ++i)
      out.emplace_back(prefix + "." + names[i] + "/" + e.name, &e.slots[i]);
  return out;
}

void Optimizer::reset() {
  m_slots.clear();
  m_step = 0;
}

Expected<std::unique_ptr<Optimizer>> createOptimizer(const OptimizerSettings& settings) {
  LOOM_RETURN_IF_ERROR(validateOptimizerSettings(settings));
  std::unique_ptr<Optimizer> opt;
  switch (settings.kind) {
    case OptimizerKind::Sgd:
      opt = std::make_unique<SgdOptimizer>(settings);
      break;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
      opt = std::make_unique<AdamOptimizer>(settings);
      break;
    case OptimizerKind::RmsProp:
      opt = std::make_unique<RmsPropOptimizer>(settings);
      break;
  }
  return opt;
}

Expected<std::unique_ptr<Optimizer>> createOptimizer(const pb::OptimizerConfig& config) {
  LOOM_ASSIGN_OR_RETURN(const OptimizerSettings settings, resolveOptimizerConfig(config));
  return createOptimizer(settings);
}

}  // namespace loom
