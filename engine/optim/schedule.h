// Learning-rate schedules (docs/optim.md). A schedule is a pure function of the global
// step, so a resumed run needs only the step counter to continue the same curve.
#pragma once

#include <cstdint>

#include "engine/core/status.h"
#include "engine/train/settings.h"

namespace loom {

namespace pb {
class ScheduleConfig;
}

/// "constant", "step", "cosine": scheduleNames() in train/settings.h, the one list.
const char* scheduleKindName(ScheduleKind kind);

/// A resolved schedule. Ranges and the rules between fields are the settings schema's
/// (training.schedule.*).
struct ScheduleSettings {
  ScheduleKind kind = ScheduleKind::Constant;
  double baseLearningRate = 0;  ///< the optimizer's rate (baseLearningRate() in optimizer.h)
  std::int64_t stepEpochs = 1;  ///< Step: decay every this many epochs (>= 1)
  double gamma = settingDefaultNumber("training.schedule.gamma");  ///< Step: factor per decay
  double minLearningRate = 0;    ///< Cosine: value reached at the last step
  std::int64_t warmupSteps = 0;  ///< linear warm-up over the first steps, any kind
};

class LearningRateSchedule {
 public:
  /// From the model file's config, through the settings schema: validated (the
  /// training.schedule.* settings, with `baseLearningRate` as the learning rate min_lr must not
  /// exceed), then defaults applied (empty type = constant, gamma 0 = 0.1; names in any case).
  /// `baseLearningRate` is the optimizer's (see baseLearningRate() in optim/optimizer.h) and must
  /// be finite and >= 0. InvalidArgument naming the field and the value otherwise.
  static Expected<LearningRateSchedule> create(const pb::ScheduleConfig& config,
                                               double baseLearningRate);
  /// The same rules for resolved settings (every field counts as given: gamma 0 is refused).
  static Expected<LearningRateSchedule> create(const ScheduleSettings& settings);

  const ScheduleSettings& settings() const { return m_settings; }

  /// The rate for update number `step` (0-based, counted over the whole run), with
  /// `stepsPerEpoch` updates per epoch and `totalSteps` updates in the run.
  ///  * Constant: base.
  ///  * Step:   base * gamma^floor(epoch / stepEpochs), epoch = step / stepsPerEpoch
  ///            (torch StepLR stepped once per epoch).
  ///  * Cosine: min + (base - min) * (1 + cos(pi * t / T)) / 2 with t = step - warmup,
  ///            T = totalSteps - warmup (torch CosineAnnealingLR, T_max = T, stepped per
  ///            update); t is clamped to [0, T].
  ///  * Warm-up: for step < warmupSteps the value above is scaled by (step + 1) / warmupSteps
  ///            (torch LinearLR with start_factor 1/warmup over warmup - 1 iterations), so the
  ///            first update uses base / warmup and update warmup - 1 the full rate.
  /// Non-positive stepsPerEpoch counts as 1.
  double learningRateAt(std::int64_t step, std::int64_t stepsPerEpoch,
                        std::int64_t totalSteps) const;

 private:
  explicit LearningRateSchedule(const ScheduleSettings& settings) : m_settings(settings) {}
  ScheduleSettings m_settings;
};

}  // namespace loom
