#include "widgets/modes/train/node_stats.h"

#include <cmath>

#include "engine/core/tensor.h"

namespace loom::studio {

void summarizeTensor(const Tensor& value, bool isGradient, NodeStats& stats) {
  if (value.dtype() != DType::F32) return;
  const float* v = value.f32();
  const std::int64_t n = value.numel();
  std::int64_t finite = 0, zeros = 0, bad = 0;
  double sum = 0, sumSq = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = v[i];
    if (!std::isfinite(x)) {
      ++bad;
      continue;
    }
    ++finite;
    zeros += x == 0;
    sum += x;
    sumSq += x * x;
  }
  if (isGradient) {
    stats.hasGradient = true;
    stats.gradNorm = std::sqrt(sumSq);
    stats.gradNonFinite = bad;
    return;
  }
  stats.count = n;
  stats.nonFinite = bad;
  stats.zeroFraction = n > 0 ? static_cast<double>(zeros) / static_cast<double>(n) : 0;
  stats.mean = finite > 0 ? sum / static_cast<double>(finite) : 0;
  const double var = finite > 0 ? sumSq / static_cast<double>(finite) - stats.mean * stats.mean : 0;
  stats.std = std::sqrt(std::max(0.0, var));
}

}  // namespace loom::studio
