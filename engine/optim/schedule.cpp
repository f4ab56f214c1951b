#include "engine/optim/schedule.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <numbers>
#include <string>

#include "engine/proto/loom.pb.h"

namespace loom {

const char* scheduleKindName(ScheduleKind kind) {
  return scheduleNames()[static_cast<std::size_t>(kind)].c_str();
}

namespace {

constexpr const char* kPrefix = "training.schedule.";
constexpr const char* kLearningRate = "training.optimizer.learning_rate";

/// Validates `config` with `base` as the (explicit) learning rate; every schedule field given
/// in `explicitFields` counts as explicit too.
Status validate(const pb::ScheduleConfig& config, double base, bool explicitFields) {
  if (!std::isfinite(base) || base < 0)
    return invalidArgument("base learning rate must be finite and >= 0, got " +
                           settingValueText(base));
  pb::TrainingConfig t;
  *t.mutable_schedule() = config;
  t.mutable_optimizer()->set_learning_rate(base);
  SettingsCheck check;
  check.pathPrefix = kPrefix;
  check.givenAs[kLearningRate] = "";  // base 0 is a rate of 0, not "the default rate"
  if (explicitFields)
    for (const SettingSpec& spec : settingSpecs())
      if (spec.path.starts_with(kPrefix)) check.givenAs[spec.path] = "";
  return validateTrainingSettings(t, pb::DatasetConfig(), check);
}

}  // namespace

Expected<LearningRateSchedule> LearningRateSchedule::create(const pb::ScheduleConfig& config,
                                                            double baseLearningRate) {
  LOOM_RETURN_IF_ERROR(validate(config, baseLearningRate, false));
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  *t.mutable_schedule() = config;
  applyTrainingDefaults(t, d);
  const pb::ScheduleConfig& c = t.schedule();
  const auto& names = scheduleNames();
  ScheduleSettings s;
  s.kind =
      static_cast<ScheduleKind>(std::find(names.begin(), names.end(), c.type()) - names.begin());
  s.baseLearningRate = baseLearningRate;
  s.stepEpochs = s.kind == ScheduleKind::Step ? c.step_epochs() : 1;
  s.gamma = c.gamma();
  s.minLearningRate = c.min_lr();
  s.warmupSteps = c.warmup_steps();
  return LearningRateSchedule(s);
}

Expected<LearningRateSchedule> LearningRateSchedule::create(const ScheduleSettings& s) {
  pb::ScheduleConfig c;
  c.set_type(scheduleKindName(s.kind));
  c.set_step_epochs(
      static_cast<std::int32_t>(std::clamp<std::int64_t>(s.stepEpochs, INT32_MIN, INT32_MAX)));
  c.set_gamma(s.gamma);
  c.set_min_lr(s.minLearningRate);
  c.set_warmup_steps(
      static_cast<std::int32_t>(std::clamp<std::int64_t>(s.warmupSteps, INT32_MIN, INT32_MAX)));
  LOOM_RETURN_IF_ERROR(validate(c, s.baseLearningRate, true));
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
