// UMAP (McInnes, Healy and Melville 2018; FORMATS.md §6.2) with umap-learn's defaults.
//
// 1. The kNN graph (knn.h) with nNeighbors - 1 neighbours besides the point itself
//    (umap-learn counts the point as its own first neighbour).
// 2. Fuzzy simplicial set: per point rho = distance to the nearest neighbour and sigma by
//    binary search so that sum_j exp(-max(0, d_ij - rho_i) / sigma_i) = log2(nNeighbors)
//    (64 steps, at least 1e-3 of the mean neighbour distance); the directed memberships are
//    symmetrised by the fuzzy union w = a + b - a b.
// 3. Layout: the PCA projection (init Pca) or the spectral embedding — the eigenvectors of the
//    graph's normalised Laplacian next to the trivial one, by subspace iteration on
//    I + D^-1/2 W D^-1/2 (init Spectral) — scaled to a range of 10 with small seeded noise
//    added; or a caller's layout.
// 4. Optimisation: epochs-per-sample SGD over the edges (edges weaker than max/epochs
//    dropped), attraction -2ab d^(2(b-1)) / (1 + a d^(2b)) and `negativeSampleRate`
//    repulsive samples 2b / ((0.001 + d^2)(1 + a d^(2b))) per positive sample, gradients
//    clipped to 4, learning rate decaying linearly to 0. (a, b) are fitted to `spread` and
//    `minDist` by Levenberg-Marquardt as umap-learn's find_ab_params does.
//
// The optimisation runs on one thread in a fixed edge order with a seeded counter-based
// generator: the layout depends on the seed only (umap-learn's own parallel SGD does not).
#pragma once

#include <cstdint>
#include <utility>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/knn.h"
#include "engine/embed/progress.h"

namespace loom::embed {

enum class UmapInit { Spectral, Pca, Random };

struct UmapOptions {
  int components = 2;
  std::int64_t nNeighbors = 15;
  double minDist = 0.1;
  double spread = 1.0;
  std::int64_t epochs = 0;  ///< 0: 500 up to 10,000 points, else 200 (umap-learn)
  double learningRate = 1.0;
  std::int64_t negativeSampleRate = 5;
  UmapInit init = UmapInit::Spectral;
  KnnMetric metric = KnnMetric::Euclidean;
  KnnMethod knn = KnnMethod::Auto;
  std::uint64_t seed = 0;
  int threads = 0;       ///< kNN, graph and initialisation; the SGD itself is sequential
  Tensor initialLayout;  ///< optional [N, components]; overrides init
};

struct UmapResult {
  Tensor layout;  ///< F32 [N, components]
  double a = 0, b = 0;
  std::int64_t epochs = 0;
};

/// (a, b) of the low-dimensional similarity 1 / (1 + a d^(2b)) for `spread` and `minDist`.
std::pair<double, double> fitUmapAB(double spread, double minDist);

/// UMAP of `points` (F32 [N, D]). InvalidArgument for nNeighbors outside [2, N - 1],
/// minDist outside [0, spread], components < 1. Progress stages "knn", "graph", "optimize".
Expected<UmapResult> umap(const Tensor& points, const UmapOptions& options,
                          const EmbedControl& control = {});

}  // namespace loom::embed
