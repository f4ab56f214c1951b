// Perturbation attributions over a ModelProbe: they only evaluate the model on altered
// inputs (no gradients), streamed in the probe's chunks, so their memory is one chunk of
// perturbed images whatever the number of evaluations. Formulas: docs/explain.md.
//
//   occlusion   a_p = mean over the windows W that cover pixel p of f(x) - f(x with W set to
//               the baseline); windows of window x window pixels every `stride` pixels
//   KernelSHAP  over M superpixels: coalitions z in {0,1}^M (z_j = 1 keeps superpixel j, 0
//               replaces it by the baseline), weights pi(z) = (M-1) / (C(M,|z|) |z| (M-|z|)),
//               phi = argmin sum_z pi(z) (f(z) - f(0) - phi.z)^2 subject to
//               sum phi = f(1) - f(0) (efficiency). All 2^M - 2 coalitions when the budget
//               allows (then phi are the exact Shapley values), else paired sampling of
//               coalition sizes in proportion to the kernel
//   LIME        the same masks, z_j ~ Bernoulli(1/2) (the first sample all ones), weights
//               exp(-d(z, 1)^2 / width^2) with d the cosine distance, a ridge regression
//               f(z) ~ b0 + beta.z (intercept not penalised); reports the weighted R^2
#pragma once

#include <cstdint>
#include <vector>

#include "engine/explain/explanation.h"
#include "engine/explain/probe.h"
#include "engine/explain/superpixels.h"

namespace loom {

struct OcclusionOptions {
  std::int64_t window = 4;  ///< square window side in pixels
  std::int64_t stride = 2;
  BaselineSpec baseline;
};
/// Map [N, 1, H, W]. InvalidArgument naming the value for window/stride < 1 or a window larger
/// than the image.
Expected<Explanation> occlusion(ModelProbe& probe, const Tensor& x,
                                const std::vector<std::int64_t>& targets, ScoreKind kind,
                                const OcclusionOptions& options);

struct KernelShapOptions {
  std::int64_t coalitions = 2000;  ///< model evaluations besides f(0) and f(1)
  BaselineSpec baseline;
  std::uint64_t seed = 0;
};

struct LimeOptions {
  std::int64_t samples = 1000;
  double kernelWidth = 0.25;  ///< of the exponential kernel on cosine distance
  double ridge = 1.0;         ///< L2 penalty on the coefficients
  BaselineSpec baseline;
  std::uint64_t seed = 0;
};

/// Both take one segmentation per input (all of the input's H x W). The map [N, 1, H, W]
/// gives every pixel its superpixel's coefficient; Explanation::coefficients has them per
/// superpixel and Explanation::segments the labels. KernelSHAP reports "baseline_score"
/// f(0); LIME reports "r2".
Expected<Explanation> kernelShap(ModelProbe& probe, const Tensor& x,
                                 const std::vector<std::int64_t>& targets, ScoreKind kind,
                                 const std::vector<Segmentation>& segments,
                                 const KernelShapOptions& options);
Expected<Explanation> lime(ModelProbe& probe, const Tensor& x,
                           const std::vector<std::int64_t>& targets, ScoreKind kind,
                           const std::vector<Segmentation>& segments, const LimeOptions& options);

/// The Shapley kernel weight of a coalition of `size` out of `features` (infinite, returned
/// as 0, for the empty and the full coalition, which the efficiency constraint covers).
double shapleyKernelWeight(std::int64_t features, std::int64_t size);

/// Weighted least squares for KernelSHAP: minimises sum_i w_i (y_i - phi.z_i)^2 subject to
/// sum phi = total. `z` is rows x features (0/1), row-major. Solved by eliminating the last
/// feature (phi_M = total - sum of the others) and a column-pivoting QR of the sqrt(w)-scaled
/// system (Eigen).
std::vector<double> constrainedWeightedLeastSquares(const std::vector<float>& z,
                                                    const std::vector<double>& y,
                                                    const std::vector<double>& w,
                                                    std::int64_t features, double total);

/// Weighted ridge regression y ~ b0 + beta.z (b0 unpenalised); returns beta and writes b0 and
/// the weighted R^2.
std::vector<double> weightedRidge(const std::vector<float>& z, const std::vector<double>& y,
                                  const std::vector<double>& w, std::int64_t features, double ridge,
                                  double* intercept, double* r2);

}  // namespace loom
