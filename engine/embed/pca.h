// Principal component analysis of a point set.
//
// Exact: the covariance matrix (accumulated in double, in row blocks, so a million rows need
// no second copy) decomposed by Eigen's SelfAdjointEigenSolver; O(N D^2 + D^3), used up to
// kExactPcaMaxDims dimensions. Randomised (Halko, Martinsson and Tropp 2011): a Gaussian
// sketch of k + oversamples columns, `powerIterations` rounds of subspace iteration with QR
// re-orthonormalisation, and an exact SVD of the small projected matrix; O(N D k) per pass.
//
// Results follow scikit-learn's PCA: components are unit rows of the right singular vectors,
// explained variance is the eigenvalue of the covariance with the N - 1 denominator, and the
// ratio divides by the total variance. Each component's sign is fixed so that its entry of
// largest magnitude is positive (deterministic; sklearn's own sign rule may differ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/progress.h"

namespace loom::embed {

inline constexpr std::int64_t kExactPcaMaxDims = 1024;

enum class PcaSolver { Auto, Exact, Randomized };

struct PcaOptions {
  std::int64_t components = 2;
  PcaSolver solver = PcaSolver::Auto;  ///< Auto: Exact up to kExactPcaMaxDims dimensions
  std::int64_t oversamples = 10;
  std::int64_t powerIterations = 7;
  std::uint64_t seed = 0;
  int threads = 0;  ///< the engine's thread setting (core/threads.h)
};

struct PcaResult {
  Tensor projected;                       ///< F32 [N, components]: centred points times components
  Tensor components;                      ///< F32 [components, D], orthonormal rows
  std::vector<double> mean;               ///< D column means
  std::vector<double> explainedVariance;  ///< per component (N - 1 denominator)
  std::vector<double> explainedVarianceRatio;
  std::string solver;  ///< "exact" or "randomized"
};

/// PCA of `points` (F32 [N, D]). InvalidArgument when N < 2, or components is outside
/// [1, min(N, D)].
Expected<PcaResult> pca(const Tensor& points, const PcaOptions& options,
                        const EmbedControl& control = {});

}  // namespace loom::embed
