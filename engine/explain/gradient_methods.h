// Gradient-based attributions over a ModelProbe (probe.h). Manual with formulas:
// docs/explain.md. Every function takes the inputs x [N, C, H, W] (model-input units, i.e.
// normalised) and one target class per input, and returns an Explanation whose map has the
// inputs' dims (Grad-CAM: [N, 1, H, W]).
//
//   vanilla gradient      d f_c / d x
//   gradient x input      x * d f_c / d x
//   SmoothGrad            mean_k  g(x + e_k),   e_k ~ N(0, (level * (max x - min x))^2)
//   SmoothGrad-squared    mean_k  g(x + e_k)^2
//   Integrated Gradients  (x - x') * sum_k w_k g(x' + a_k (x - x')), a_k, w_k a quadrature
//                         on [0, 1]; completeness gap |sum(attr) - (f(x) - f(x'))|
//   GradientSHAP          mean_k (x - b_k) * g(b_k + a_k (x - b_k)),  b_k from a background
//                         set, a_k ~ U(0, 1) (expected gradients)
//   Grad-CAM              ReLU(sum_k alpha_k A_k), alpha_k = mean_ij d f_c / d A_kij, A a
//                         convolution's output, bilinearly upsampled to H x W
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/explain/explanation.h"
#include "engine/explain/probe.h"

namespace loom {

/// Checks x against the probe's input ([N, sample...]) and every target's range; the first
/// problem as InvalidArgument/ShapeMismatch naming the value.
Status checkExplainInputs(const ModelProbe& probe, const Tensor& x,
                          const std::vector<std::int64_t>& targets);

Expected<Explanation> vanillaGradient(ModelProbe& probe, const Tensor& x,
                                      const std::vector<std::int64_t>& targets, ScoreKind kind);
Expected<Explanation> gradientTimesInput(ModelProbe& probe, const Tensor& x,
                                         const std::vector<std::int64_t>& targets, ScoreKind kind);

struct SmoothGradOptions {
  std::int64_t samples = 50;
  double noiseLevel = 0.15;  ///< sigma as a fraction of the input's range (max - min)
  bool squared = false;      ///< SmoothGrad-squared: mean of squared gradients
  std::uint64_t seed = 0;
};
Expected<Explanation> smoothGrad(ModelProbe& probe, const Tensor& x,
                                 const std::vector<std::int64_t>& targets, ScoreKind kind,
                                 const SmoothGradOptions& options);

/// Points and weights on [0, 1]: Riemann midpoints (a_k = (k + 1/2) / m, w_k = 1/m) or
/// Gauss-Legendre (exact for polynomials of degree 2m - 1).
enum class Quadrature { Riemann, GaussLegendre };
const char* quadratureName(Quadrature q);
Expected<Quadrature> parseQuadrature(const std::string& text);  ///< "riemann", "gauss_legendre"
void quadraturePoints(Quadrature q, std::int64_t m, std::vector<double>& points,
                      std::vector<double>& weights);

struct IntegratedGradientsOptions {
  std::int64_t steps = 50;
  Quadrature quadrature = Quadrature::GaussLegendre;
  BaselineSpec baseline;
};
/// Also reports "baseline_score" f(x') and "completeness_gap". InvalidArgument naming the
/// sample when its baseline equals the input (every attribution would be 0).
Expected<Explanation> integratedGradients(ModelProbe& probe, const Tensor& x,
                                          const std::vector<std::int64_t>& targets, ScoreKind kind,
                                          const IntegratedGradientsOptions& options);

struct GradientShapOptions {
  std::int64_t samples = 50;
  double noiseStd = 0.0;  ///< Gaussian noise added to each point on the path (model units)
  std::uint64_t seed = 0;
  /// [B, C, H, W] reference inputs; empty: the black baseline and uniform noise of `fallback`.
  Tensor background;
  BaselineSpec fallback;
};
Expected<Explanation> gradientShap(ModelProbe& probe, const Tensor& x,
                                   const std::vector<std::int64_t>& targets, ScoreKind kind,
                                   const GradientShapOptions& options);

/// The convolution Grad-CAM uses by default: the last Conv2D node in topological order.
/// InvalidArgument when the model has none.
Expected<std::string> lastConvNode(const ModelProbe& probe);
/// InvalidArgument naming the node and its op when `node` is not a Conv2D of the model.
Status checkConvNode(const ModelProbe& probe, const std::string& node);

/// Grad-CAM on `node` of a probe whose ProbeOptions::keepNodes contains it. The map is
/// [N, 1, H, W]; the raw (not upsampled) maps go to `raw` when it is not null.
Expected<Explanation> gradCam(ModelProbe& probe, const Tensor& x,
                              const std::vector<std::int64_t>& targets, ScoreKind kind,
                              const std::string& node, Tensor* raw = nullptr);

/// Bilinear resize of maps [N, 1, h, w] to [N, 1, H, W] with half-pixel centres (as
/// OpenCV's INTER_LINEAR and PyTorch's interpolate(align_corners=False)).
Tensor upsampleBilinear(const Tensor& maps, std::int64_t height, std::int64_t width);

}  // namespace loom
