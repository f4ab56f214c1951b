// Optimizers: update parameters from their gradients (PyTorch semantics, docs/optim.md).
//
// An Optimizer owns its state (momentum buffers, moment estimates) and a step counter. The
// state is created on the first step (or by initializeState) for the trainable parameters
// in the order given, and is exposed by stateTensors() under stable names so checkpoints
// can save and restore it bit-exactly; a restored optimizer continues exactly as the
// original would have.
//
// Each update is one elementwise pass over value, gradient and state: the loop vectorises,
// and large tensors are split across the OpenMP compute team. Elementwise work has no
// reductions, so results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"
#include "engine/train/settings.h"

namespace loom {

namespace pb {
class OptimizerConfig;
}

/// The canonical name of `kind` ("sgd", "adam", "adamw", "rmsprop"): optimizerNames() in
/// train/settings.h, the one list of optimizer names.
const char* optimizerKindName(OptimizerKind kind);

/// Hyper-parameters with every default resolved. Field meanings follow torch.optim; defaults,
/// ranges and the rules between fields are the settings schema's (training.optimizer.*).
struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::Adam;  ///< the schema's default type (tested)
  double momentum = 0;                       ///< SGD and RMSprop; 0 = none
  bool nesterov = false;                     ///< SGD; needs momentum > 0
  double weightDecay = 0;  ///< L2 added to the gradient (SGD, Adam, RMSprop); decoupled (AdamW)
  double beta1 = settingDefaultNumber("training.optimizer.beta1");  ///< Adam/AdamW first moment
  double beta2 = settingDefaultNumber("training.optimizer.beta2");  ///< Adam/AdamW second moment
  double epsilon = settingDefaultNumber("training.optimizer.epsilon");  ///< denominator term
  double alpha = settingDefaultNumber("training.optimizer.rho");  ///< RMSprop decay (Keras "rho")
};

/// Resolves a config through the settings schema: validated (validateTrainingSettings() on the
/// training.optimizer.* settings, so messages name "training.optimizer.beta1" and the like),
/// then defaults applied (empty type = adam; names in any case). InvalidArgument otherwise.
Expected<OptimizerSettings> resolveOptimizerConfig(const pb::OptimizerConfig& config);
/// The same rules for resolved settings (every field counts as given: beta1 0 is refused).
Status validateOptimizerSettings(const OptimizerSettings& settings);

/// The configured learning rate, or the schema's default for the type when it is 0
/// (SGD 0.01, Adam/AdamW 0.001, RMSprop 0.01, as in PyTorch); 0 for an unknown type.
double baseLearningRate(const pb::OptimizerConfig& config);

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  OptimizerKind kind() const { return m_settings.kind; }
  const OptimizerSettings& settings() const { return m_settings; }

  /// Applies one update to every trainable parameter (buffers are skipped) with the given
  /// learning rate, then counts the step. The trainable parameters must be the same (names
  /// and dims, same order) at every step; gradients F32 with the value's dims and layout.
  /// InvalidArgument otherwise (nothing is changed), or for a negative / non-finite rate.
  Status step(std::vector<Parameter>& params, double learningRate);

  /// Updates applied so far (Adam's bias correction uses it). Part of the checkpoint.
  std::int64_t stepCount() const { return m_step; }
  void setStepCount(std::int64_t steps) { m_step = steps; }

  /// Creates zeroed state for `params` (what step() does on first use), so a checkpoint
  /// loader can fill stateTensors() before the first step. Replaces existing state.
  Status initializeState(const std::vector<Parameter>& params);
  bool hasState() const { return !m_slots.empty(); }

  /// Every state tensor, named "<kind>.<slot>/<parameter>" (e.g. "adam.exp_avg/fc1.weight",
  /// "sgd.momentum/fc1.weight"), in parameter order. Pointers stay valid until the next
  /// initializeState() or reset(); write through them to restore a checkpoint.
  std::vector<std::pair<std::string, Tensor*>> stateTensors();

  /// Forgets all state and the step count.
  void reset();

 protected:
  explicit Optimizer(OptimizerSettings settings) : m_settings(settings) {}

  /// Names of the per-parameter state tensors this optimizer keeps (may be empty).
  virtual std::vector<std::string> slotNames() const = 0;
  /// Updates one parameter. `slots` holds slotNames().size() tensors shaped like the value;
  /// `step` counts this update from 1.
  virtual void update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
                      std::int64_t step) = 0;

  OptimizerSettings m_settings;

 private:
  struct Entry {
    std::string name;
    Dims dims;
    std::vector<Tensor> slots;
  };
  Status checkParameters(const std::vector<Parameter>& params) const;

  std::vector<Entry> m_slots;  // one per trainable parameter, in order
  std::int64_t m_step = 0;
};

/// The optimizer for `settings` (validated first).
Expected<std::unique_ptr<Optimizer>> createOptimizer(const OptimizerSettings& settings);
/// resolveOptimizerConfig() then createOptimizer().
Expected<std::unique_ptr<Optimizer>> createOptimizer(const pb::OptimizerConfig& config);

}  // namespace loom
