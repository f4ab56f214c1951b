#include "engine/core/tensor_stats.h"

#include <algorithm>
#include <cmath>

namespace loom {

TensorStats computeStats(const Tensor& t) {
  TensorStats s;
  const float* p = t.f32();
  double sum = 0, sumSq = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = p[i];
    if (!std::isfinite(v)) {
      ++s.nonFinite;
      continue;
    }
    ++s.count;
    s.zeros += v == 0.0;
    sum += v;
    sumSq += v * v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (s.count > 0) {
    s.min = lo;
    s.max = hi;
    s.mean = sum / static_cast<double>(s.count);
    s.stddev = std::sqrt(std::max(0.0, sumSq / static_cast<double>(s.count) - s.mean * s.mean));
    s.l2 = std::sqrt(sumSq);
  }
  return s;
}

std::vector<std::int64_t> histogram(const Tensor& t, const TensorStats& stats, int bins) {
  bins = std::max(1, bins);
  std::vector<std::int64_t> counts(static_cast<size_t>(bins), 0);
  const double width = (stats.max - stats.min) / bins;
  const float* p = t.f32();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const double v = p[i];
    if (!std::isfinite(v)) continue;
    int b = width > 0 ? static_cast<int>((v - stats.min) / width) : 0;
    counts[static_cast<size_t>(std::clamp(b, 0, bins - 1))]++;
  }
  return counts;
}

}  // namespace loom
