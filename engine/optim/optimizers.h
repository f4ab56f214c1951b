// The concrete optimizers behind createOptimizer() (optim/optimizer.h). Update rules are
// torch.optim's (1.13), written out in docs/optim.md; g is the gradient, p the value.
#pragma once

#include "engine/optim/optimizer.h"

namespace loom {

/// SGD: g += wd*p; with momentum mu: buf = g on the first step, else mu*buf + g;
/// g = nesterov ? g + mu*buf : buf; p -= lr*g.
class SgdOptimizer final : public Optimizer {
 public:
  explicit SgdOptimizer(const OptimizerSettings& settings) : Optimizer(settings) {}

 protected:
  std::vector<std::string> slotNames() const override;
  void update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
              std::int64_t step) override;
};

/// Adam (L2: g += wd*p) and AdamW (decoupled: p *= 1 - lr*wd):
/// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
/// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
class AdamOptimizer final : public Optimizer {
 public:
  explicit AdamOptimizer(const OptimizerSettings& settings) : Optimizer(settings) {}

 protected:
  std::vector<std::string> slotNames() const override;
  void update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
              std::int64_t step) override;
};

/// RMSprop: g += wd*p; s = alpha*s + (1-alpha)*g^2; d = sqrt(s) + eps;
/// with momentum mu: buf = mu*buf + g/d, p -= lr*buf; else p -= lr*g/d.
class RmsPropOptimizer final : public Optimizer {
 public:
  explicit RmsPropOptimizer(const OptimizerSettings& settings) : Optimizer(settings) {}

 protected:
  std::vector<std::string> slotNames() const override;
  void update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
              std::int64_t step) override;
};

}  // namespace loom
