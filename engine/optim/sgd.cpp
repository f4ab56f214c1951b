#include "engine/optim/optimizers.h"
#include "engine/optim/update_loop.h"

namespace loom {

using optim_detail::kParallelMinElements;

std::vector<std::string> SgdOptimizer::slotNames() const {
  if (m_settings.momentum == 0) return {};
  return {"momentum"};
}

void SgdOptimizer::update(Parameter& param, std::vector<Tensor>& slots, double learningRate,
                          std::int64_t step) {
  const std::int64_t n = param.value.numel();
  float* p = param.value.f32();
  const float* grad = param.grad.f32();
  const float lr = static_cast<float>(learningRate);
  const float wd = static_cast<float>(m_settings.weightDecay);
  if (slots.empty()) {
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements)
    for (std::int64_t i = 0; i < n; ++i) {
      const float g = grad[i] + wd * p[i];
      p[i] -= lr * g;
    }
    return;
  }
  float* buf = slots[0].f32();
  const float mu = static_cast<float>(m_settings.momentum);
  // PyTorch starts the buffer at the first gradient (not at zero).
  const float keep = step == 1 ? 0.0f : mu;
  const float nesterov = m_settings.nesterov ? 1.0f : 0.0f;
#pragma omp parallel for simd schedule(static) if (n >= kParallelMinElements)
  for (std::int64_t i = 0; i < n; ++i) {
    const float g = grad[i] + wd * p[i];
    const float b = keep * buf[i] + g;
    buf[i] = b;
    const float d = nesterov != 0.0f ? g + mu * b : b;
    p[i] -= lr * d;
  }
}

}  // namespace loom
