#include "engine/optim/schedule.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>
#include <string>

#include "engine/proto/loom.pb.h"

namespace loom {

const char* scheduleKindName(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::Constant:
      return "constant";
    case ScheduleKind::Step:
      return "step";
    case ScheduleKind::Cosine:
      return "cosine";
  }
  return "?";
}

Expected<LearningRateSchedule> LearningRateSchedule::create(const pb::ScheduleConfig& config,
                                                            double baseLearningRate) {
  ScheduleSettings s;
  std::string type = config.type();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type.empty() || type == "constant")
    s.kind = ScheduleKind::Constant;
  else if (type == "step")
    s.kind = ScheduleKind::Step;
  else if (type == "cosine")
    s.kind = ScheduleKind::Cosine;
  else
    return invalidArgument("unknown learning-rate schedule \"" + config.type() +
                           "\"; expected one of constant, step, cosine");
  s.baseLearningRate = baseLearningRate;
  s.stepEpochs = s.kind == ScheduleKind::Step ? config.step_epochs() : 1;
  if (config.gamma() != 0) s.gamma = config.gamma();
  s.minLearningRate = config.min_lr();
  s.warmupSteps = config.warmup_steps();
  return create(s);
}

Expected<LearningRateSchedule> LearningRateSchedule::create(const ScheduleSettings& s) {
  if (!std::isfinite(s.baseLearningRate) || s.baseLearningRate < 0)
    return invalidArgument("base learning rate must be finite and >= 0, got " +
                           std::to_string(s.baseLearningRate));
  if (s.kind == ScheduleKind::Step && s.stepEpochs < 1)
    return invalidArgument("step schedule needs step_epochs >= 1, got " +
                           std::to_string(s.stepEpochs));
  if (s.kind == ScheduleKind::Step && !(s.gamma > 0 && s.gamma <= 1))
    return invalidArgument("step schedule needs gamma in (0, 1], got " + std::to_string(s.gamma));
  if (s.kind == ScheduleKind::Cosine &&
      !(s.minLearningRate >= 0 && s.minLearningRate <= s.baseLearningRate))
    return invalidArgument("cosine schedule needs 0 <= min_lr <= learning rate " +
                           std::to_string(s.baseLearningRate) + ", got " +
                           std::to_string(s.minLearningRate));
  if (s.warmupSteps < 0)
    return invalidArgument("warmup_steps must be >= 0, got " + std::to_string(s.warmupSteps));
  return LearningRateSchedule(s);
}

double LearningRateSchedule::learningRateAt(std::int64_t step, std::int64_t stepsPerEpoch,
                                            std::int64_t totalSteps) const {
  const ScheduleSettings& s = m_settings;
  step = std::max<std::int64_t>(step, 0);
  double lr = s.baseLearningRate;
  switch (s.kind) {
    case ScheduleKind::Constant:
      break;
    case ScheduleKind::Step: {
      const std::int64_t epoch = step / std::max<std::int64_t>(stepsPerEpoch, 1);
      lr *= std::pow(s.gamma, static_cast<double>(epoch / s.stepEpochs));
      break;
    }
    case ScheduleKind::Cosine: {
      const std::int64_t span = totalSteps - s.warmupSteps;
      if (span <= 0) break;
      const std::int64_t t = std::clamp<std::int64_t>(step - s.warmupSteps, 0, span);
      const double phase = std::numbers::pi * static_cast<double>(t) / static_cast<double>(span);
      lr = s.minLearningRate + (s.baseLearningRate - s.minLearningRate) * (1 + std::cos(phase)) / 2;
      break;
    }
  }
  if (step < s.warmupSteps)
    lr *= static_cast<double>(step + 1) / static_cast<double>(s.warmupSteps);
  return lr;
}

}  // namespace loom
