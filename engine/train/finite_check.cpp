#include "engine/train/finite_check.h"

namespace loom {

bool allFinite(const Tensor& t) {
  const float* v = t.f32();
  const std::int64_t n = t.numel();
  float zero = 0.0f;
#pragma omp parallel for simd reduction(+ : zero) if (n > (1 << 18))
  for (std::int64_t i = 0; i < n; ++i) zero += v[i] * 0.0f;
  return zero == 0.0f;
}

bool allFinite(const std::vector<Parameter>& params) {
  for (const Parameter& p : params)
    if (!allFinite(p.value)) return false;
  return true;
}

}  // namespace loom
