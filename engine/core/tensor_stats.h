// Summary statistics of a float tensor, for per-node activation and gradient taps
// (Plan::setTap) and the dashboard's histograms. Layout does not matter.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/tensor.h"

namespace loom {

struct TensorStats {
  std::int64_t count = 0;
  std::int64_t nonFinite = 0;  ///< NaN or Inf elements (excluded from the rest)
  std::int64_t zeros = 0;      ///< exact zeros (dead ReLUs)
  double min = 0, max = 0, mean = 0, stddev = 0;
  double l2 = 0;  ///< Euclidean norm
};

/// Statistics over every finite element of an F32 tensor, accumulated in double.
TensorStats computeStats(const Tensor& t);

/// Counts of finite elements in `bins` equal-width bins spanning [stats.min, stats.max]
/// (one bin if min == max).
std::vector<std::int64_t> histogram(const Tensor& t, const TensorStats& stats, int bins);

}  // namespace loom
