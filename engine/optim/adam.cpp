#include <cmath>

#include "engine/optim/optimizers.h"
#include "engine/optim/update_loop.h"

namespace loom {

using optim_detail::kParallelMinElements;

std::vector<std::string> AdamOptimizer::slotNames() const {
  return {"exp_avg", "exp_avg_sq"};
}

void AdamOptimizer::update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
                           std::int64_t step) {
  const std::int64_t n = param.value.numel();
  float* p = param.value.f32();
  const float* grad = param.grad.f32();
  float* m = slots[0].f32();
  float* v = slots[1].f32();
  const bool decoupled = m_settings.kind == OptimizerKind::AdamW;
  const double b1 = m_settings.beta1, b2 = m_settings.beta2;
  // Scalars in double, as PyTorch computes them in Python floats.
  const double correction1 = 1.0 - std::pow(b1, static_cast<double>(step));
  const double correction2 = 1.0 - std::pow(b2, static_cast<double>(step));
  const float stepSize = static_cast<float>(learningRate / correction1);
  const float sqrtCorrection2 = static_cast<float>(std::sqrt(correction2));
  const float eps = static_cast<float>(m_settings.epsilon);
  const float beta1 = static_cast<float>(b1), beta2 = static_cast<float>(b2);
  const float oneMinusBeta1 = static_cast<float>(1.0 - b1);
  const float oneMinusBeta2 = static_cast<float>(1.0 - b2);
  const float l2 = decoupled ? 0.0f : static_cast<float>(m_settings.weightDecay);
  const float shrink =
      decoupled ? static_cast<float>(1.0 - learningRate * m_settings.weightDecay) : 1.0f;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements)
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + l2 * p[i];
    const float mi = m[i] * beta1 + oneMinusBeta1 * g;
    const float vi = v[i] * beta2 + oneMinusBeta2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / sqrtCorrection2 + eps;
    p[i] = p[i] * shrink - stepSize * (mi / denom);
  }
}

}  // namespace loom
