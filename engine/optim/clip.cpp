#include "engine/optim/clip.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/optim/update_loop.h"

namespace loom {

namespace {

constexpr std::int64_t kChunk = 4096;

double sumOfSquares(const float* g, std::int64_t n) {
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<std::size_t>(chunks));
#pragma omp parallel for schedule(static) if (n >= optim_detail::kParallelMinElements)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::int64_t end = std::min(n, (c + 1) * kChunk);
    double s = 0;
    for (std::int64_t i = c * kChunk; i < end; ++i) s += static_cast<double>(g[i]) * g[i];
    partial[static_cast<std::size_t>(c)] = s;
  }
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

}  // namespace

double globalGradNorm(const std::vector<Parameter>& params) {
  double total = 0;
  for (const auto& p : params)
    if (p.trainable && !p.grad.empty()) total += sumOfSquares(p.grad.f32(), p.grad.numel());
  return std::sqrt(total);
}

Expected<double> clipGradNorm(std::vector<Parameter>& params, double maxNorm) {
  if (!(maxNorm > 0) || !std::isfinite(maxNorm))
    return invalidArgument("gradient clipping norm must be positive and finite, got " +
                           std::to_string(maxNorm));
  const double norm = globalGradNorm(params);
  if (!std::isfinite(norm)) return norm;
  const float scale = static_cast<float>(std::min(1.0, maxNorm / (norm + 1e-6)));
  for (auto& p : params) {
    if (!p.trainable || p.grad.empty()) continue;
    float* g = p.grad.f32();
    const std::int64_t n = p.grad.numel();
#pragma omp parallel for simd schedule(static) if (n >= optim_detail::kParallelMinElements)
    for (std::int64_t i = 0; i < n; ++i) g[i] *= scale;
  }
  return norm;
}

}  // namespace loom
