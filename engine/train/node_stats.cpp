#include "engine/train/node_stats.h"

#include <algorithm>
#include <cmath>

#include "engine/core/tensor.h"

namespace loom {

void summarizeTensor(const Tensor& value, bool isGradient, NodeStats& stats) {
  if (value.dtype() != DType::F32) return;
  const float* v = value.f32();
  const std::int64_t n = value.numel();
  std::int64_t finite = 0, zeros = 0, bad = 0;
  // Welford's update: a one-pass mean and variance that does not cancel catastrophically
  // when the mean is large against the spread (sum of squares minus squared mean does).
  double mean = 0, m2 = 0, sumSq = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = v[i];
    if (!std::isfinite(x)) {
      ++bad;
      continue;
    }
    ++finite;
    zeros += x == 0;
    sumSq += x * x;
    const double delta = x - mean;
    mean += delta / static_cast<double>(finite);
    m2 += delta * (x - mean);
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
  stats.mean = finite > 0 ? mean : 0;
  stats.std = finite > 0 ? std::sqrt(std::max(0.0, m2 / static_cast<double>(finite))) : 0;
}

}  // namespace loom
