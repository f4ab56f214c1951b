#include "engine/optim/optimizer.h"

#include <cctype>
#include <cmath>

#include "engine/optim/optimizers.h"
#include "engine/proto/loom.pb.h"

namespace loom {

const char* optimizerKindName(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::Sgd:
      return "sgd";
    case OptimizerKind::Adam:
      return "adam";
    case OptimizerKind::AdamW:
      return "adamw";
    case OptimizerKind::RmsProp:
      return "rmsprop";
  }
  return "?";
}

namespace {

Status checkRange(const char* what, double value, double lo, double hi, bool hiOpen) {
  const bool ok = std::isfinite(value) && value >= lo && (hiOpen ? value < hi : value <= hi);
  if (ok) return Status::ok();
  return invalidArgument(std::string("optimizer ") + what + " must be in [" + std::to_string(lo) +
                         ", " + (std::isinf(hi) ? std::string("inf") : std::to_string(hi)) +
                         (hiOpen ? ")" : "]") + ", got " + std::to_string(value));
}

}  // namespace

Status validateOptimizerSettings(const OptimizerSettings& s) {
  const double inf = INFINITY;
  LOOM_RETURN_IF_ERROR(checkRange("momentum", s.momentum, 0, inf, true));
  LOOM_RETURN_IF_ERROR(checkRange("weight_decay", s.weightDecay, 0, inf, true));
  LOOM_RETURN_IF_ERROR(checkRange("beta1", s.beta1, 0, 1, true));
  LOOM_RETURN_IF_ERROR(checkRange("beta2", s.beta2, 0, 1, true));
  LOOM_RETURN_IF_ERROR(checkRange("epsilon", s.epsilon, 0, inf, true));
  LOOM_RETURN_IF_ERROR(checkRange("rho", s.alpha, 0, 1, true));
  if (s.nesterov && (s.kind != OptimizerKind::Sgd || s.momentum <= 0))
    return invalidArgument(std::string("nesterov needs the sgd optimizer with momentum > 0, got ") +
                           optimizerKindName(s.kind) + " with momentum " +
                           std::to_string(s.momentum));
  return Status::ok();
}

Expected<OptimizerSettings> resolveOptimizerConfig(const pb::OptimizerConfig& config) {
  OptimizerSettings s;
  std::string type = config.type();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type.empty() || type == "adam")
    s.kind = OptimizerKind::Adam;
  else if (type == "adamw")
    s.kind = OptimizerKind::AdamW;
  else if (type == "sgd")
    s.kind = OptimizerKind::Sgd;
  else if (type == "rmsprop")
    s.kind = OptimizerKind::RmsProp;
  else
    return invalidArgument("unknown optimizer type \"" + config.type() +
                           "\"; expected one of sgd, adam, adamw, rmsprop");
  s.momentum = config.momentum();
  s.nesterov = config.nesterov();
  s.weightDecay = config.weight_decay();
  if (config.beta1() != 0) s.beta1 = config.beta1();
  if (config.beta2() != 0) s.beta2 = config.beta2();
  if (config.epsilon() != 0) s.epsilon = config.epsilon();
  if (config.rho() != 0) s.alpha = config.rho();
  LOOM_RETURN_IF_ERROR(validateOptimizerSettings(s));
  return s;
}

double baseLearningRate(const pb::OptimizerConfig& config) {
  if (config.learning_rate() != 0) return config.learning_rate();
  const auto settings = resolveOptimizerConfig(config);
  const OptimizerKind kind = settings ? settings->kind : OptimizerKind::Adam;
  switch (kind) {
    case OptimizerKind::Sgd:
      return 0.01;
    case OptimizerKind::Adam:
      return 0.001;
    case OptimizerKind::AdamW:
      return 0.001;
    case OptimizerKind::RmsProp:
      return 0.01;
  }
  return 0.001;
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
