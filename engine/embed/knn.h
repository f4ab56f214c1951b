// k nearest neighbours of every point of a set (the point itself excluded), Euclidean or
// cosine.
//
// Approximate neighbours come from hnswlib (Malkov and Yashunin's HNSW graphs; Debian's
// libhnswlib-dev). The index is built on one thread in point order so that the graph, and so
// every result, depends only on the seed; queries run in parallel on the engine's threads.
// Exact neighbours come from blocked distance matrices: |a|^2 + |b|^2 - 2 a.b with the dot
// products as Eigen GEMMs over 1024-row blocks, then a partial sort per row; O(N^2 D) time,
// O(1024 N) memory. They check the approximate ones (recallAtK) and serve small sets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/embed/progress.h"

namespace loom::embed {

enum class KnnMetric { Euclidean, Cosine };
enum class KnnMethod { Auto, Exact, Hnsw };

/// Up to this many points KnnMethod::Auto computes exact neighbours.
inline constexpr std::int64_t kExactKnnMaxPoints = 20000;

struct KnnOptions {
  std::int64_t k = 15;
  KnnMetric metric = KnnMetric::Euclidean;
  KnnMethod method = KnnMethod::Auto;
  int hnswM = 16;                ///< graph degree
  int hnswEfConstruction = 200;  ///< build-time beam
  int hnswEf = 0;                ///< query beam; 0: max(2k, 128)
  std::uint64_t seed = 100;
  int threads = 0;  ///< the engine's thread setting
};

/// Row i lists the k neighbours of point i, nearest first (ties: lower index first).
struct KnnGraph {
  std::int64_t points = 0, k = 0;
  std::vector<std::int32_t> indices;  ///< points * k
  std::vector<float> distances;       ///< points * k: Euclidean distance, or 1 - cosine similarity
  std::string method;                 ///< "exact" or "hnsw"
};

/// Neighbours of every row of `points` (F32 [N, D]); InvalidArgument when k is outside
/// [1, N - 1] or the set is too large for int32 indices. Progress stage "knn".
Expected<KnnGraph> nearestNeighbors(const Tensor& points, const KnnOptions& options,
                                    const EmbedControl& control = {});

/// Mean fraction of `exact`'s neighbours that `approx` also found (both of the same k).
double recallAtK(const KnnGraph& approx, const KnnGraph& exact);

/// The k neighbours of one query vector (D floats) among `points`, nearest first, the query
/// point itself included if it is in the set; exact. For a point picked in a view.
KnnGraph queryNeighbors(const Tensor& points, const float* query, std::int64_t k, KnnMetric metric);

}  // namespace loom::embed
