// Barnes-Hut t-SNE (van der Maaten 2014; FORMATS.md §6.1), with scikit-learn's defaults.
//
// 1. Input: points with more than `pcaDims` dimensions are first reduced by PCA (bhtsne's
//    initial_dims; 0 keeps them as they are).
// 2. Affinities: K = min(N - 1, floor(3 * perplexity + 1)) nearest neighbours (knn.h), a
//    per-point binary search on the Gaussian precision so each conditional distribution has
//    the perplexity asked for (natural-log entropy, tolerance 1e-5, 100 steps), symmetrised
//    and normalised to sum 1.
// 3. Layout: PCA of the input, scaled so the first coordinate's standard deviation is 1e-4
//    (sklearn's init="pca"), or a seeded N(0, 1e-4^2) draw; or a caller's layout (trajectory
//    continuation, then without exaggeration by default).
// 4. Optimisation: gradient 4 (exaggeration * sum_j p_ij q_ij (y_i - y_j) - F_rep / Z) with the
//    repulsion F_rep and normaliser Z from a quadtree (2-D) or octree (3-D) with the
//    Barnes-Hut criterion theta (auto: 0.3 up to kTightThetaMaxPoints points, where the
//    tighter approximation costs seconds, sklearn's 0.5 above); momentum 0.5 for the first
//    `exaggerationIterations` iterations then 0.8; per-coordinate gains (+0.2 on a sign change,
//    x0.8 otherwise, at least 0.01); learning rate "auto" = max(N / exaggeration / 4, 50).
//
// Threads: each point's forces are computed independently and summed in a fixed order, so a
// layout depends on the seed and the inputs only, not on the thread count (the kNN graph is
// deterministic too, knn.h).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/knn.h"
#include "engine/embed/progress.h"

namespace loom::embed {

enum class TsneInit { Pca, Random };

/// Up to this many points an automatic theta is 0.3 instead of 0.5. Measured on the CNN's
/// 10,000 test embeddings (docs/embeddings.md): theta 0.5 gives a trustworthiness 1e-5 below
/// sklearn's TSNE at its own 0.5, 0.3 gives 1e-5 above, for 1.5x the optimisation time.
inline constexpr std::int64_t kTightThetaMaxPoints = 20000;

struct TsneOptions {
  int components = 2;      ///< 2 or 3
  double perplexity = 30;  ///< sklearn's default
  double earlyExaggeration = 12;
  std::int64_t exaggerationIterations = 250;
  double learningRate = 0;  ///< 0: "auto", max(N / earlyExaggeration / 4, 50)
  std::int64_t iterations = 1000;
  double theta = -1;  ///< Barnes-Hut criterion; < 0: automatic (see kTightThetaMaxPoints)
  TsneInit init = TsneInit::Pca;
  std::int64_t pcaDims = 50;  ///< reduce wider inputs to this first; 0: never
  std::uint64_t seed = 0;
  int threads = 0;  ///< the engine's thread setting
  KnnMethod knn = KnnMethod::Auto;
  /// Optional starting layout [N, components] (e.g. the previous checkpoint's); overrides init.
  Tensor initialLayout;
  /// With initialLayout: skip early exaggeration (the layout is already organised).
  bool exaggerateInitialLayout = false;
};

struct TsneResult {
  Tensor layout;            ///< F32 [N, components]
  double klDivergence = 0;  ///< Barnes-Hut estimate at the last iteration
  std::int64_t iterations = 0;
};

/// t-SNE of `points` (F32 [N, D]). InvalidArgument for N < 4, perplexity outside
/// (0, (N - 1) / 3], components other than 2 or 3, a NaN theta, iterations < 1. Progress stages
/// "knn", "affinities", "optimize" (value: KL estimate every 50 iterations); intermediate
/// layouts through control.onLayout; Cancelled when control.cancel is set.
Expected<TsneResult> tsne(const Tensor& points, const TsneOptions& options,
                          const EmbedControl& control = {});

}  // namespace loom::embed
