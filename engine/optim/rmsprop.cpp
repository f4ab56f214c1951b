#include <cmath>

#include "engine/optim/optimizers.h"
#include "engine/optim/update_loop.h"

namespace loom {

using optim_detail::kParallelMinElements;

std::vector<std::string> RmsPropOptimizer::slotNames() const {
  if (m_settings.momentum == 0) return {"square_avg"};
  return {"square_avg", "momentum"};
}

void RmsPropOptimizer::update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
                              std::int64_t /*step*/) {
  const std::int64_t n = param.value.numel();
  float* p = param.value.f32();
  const float* grad = param.grad.f32();
  float* s = slots[0].f32();
  const float lr = static_cast<float>(learningRate);
  const float wd = static_cast<float>(m_settings.weightDecay);
  const float alpha = static_cast<float>(m_settings.alpha);
  const float oneMinusAlpha = static_cast<float>(1.0 - m_settings.alpha);
  const float eps = static_cast<float>(m_settings.epsilon);
  if (slots.size() == 1) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements)
    for (std::int64_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      const float si = s[i] * alpha + oneMinusAlpha * (g * g);
      s[i] = si;
      p[i] -= lr * (g / (std::sqrt(si) + eps));
    }
    return;
  }
  float* buf = slots[1].f32();
  const float mu = static_cast<float>(m_settings.momentum);
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements)
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + wd * p[i];
    const float si = s[i] * alpha + oneMinusAlpha * (g * g);
    s[i] = si;
    const float b = buf[i] * mu + g / (std::sqrt(si) + eps);
    buf[i] = b;
    p[i] -= lr * b;
  }
}

}  // namespace loom
