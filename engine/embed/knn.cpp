#include "engine/embed/knn.h"

#include <hnswlib/hnswlib.h>
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "engine/core/threads.h"

namespace loom::embed {

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Rows scaled to unit length for the cosine metric (zero rows stay zero).
Tensor normalizedRows(const Tensor& points) {
  Tensor out = points.clone();
  const std::int64_t n = out.dim(0), d = out.dim(1);
  for (std::int64_t i = 0; i < n; ++i) {
    float* r = out.f32() + i * d;
    double s = 0;
    for (std::int64_t j = 0; j < d; ++j) s += static_cast<double>(r[j]) * r[j];
    if (s > 0) {
      const auto inv = static_cast<float>(1.0 / std::sqrt(s));
      for (std::int64_t j = 0; j < d; ++j) r[j] *= inv;
    }
  }
  return out;
}

/// Squared L2 distance -> the metric's reported distance.
float reported(float squared, KnnMetric metric) {
  squared = std::max(0.0f, squared);
  return metric == KnnMetric::Cosine ? squared * 0.5f : std::sqrt(squared);
}

using Candidate = std::pair<float, std::int32_t>;  // (squared distance, index)

void keepNearest(std::vector<Candidate>& c, std::int64_t k) {
  const auto kk =
      static_cast<std::ptrdiff_t>(std::min<std::int64_t>(k, static_cast<std::int64_t>(c.size())));
  std::partial_sort(c.begin(), c.begin() + kk, c.end());
  c.resize(static_cast<std::size_t>(kk));
}

Status exactKnn(const Tensor& x, std::int64_t k, KnnMetric metric, KnnGraph& g,
                const EmbedControl& control) {
  const std::int64_t n = x.dim(0), d = x.dim(1);
  Eigen::Map<const RowMatrixF> m(x.f32(), n, d);
  const Eigen::VectorXf norms = m.rowwise().squaredNorm();
  const std::int64_t block =
      std::clamp<std::int64_t>((std::int64_t{1} << 24) / std::max<std::int64_t>(n, 1), 16, 1024);
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "nearest neighbours cancelled");
    const std::int64_t rows = std::min(block, n - r0);
    // Sub-blocks of 16 rows, one GEMM each inside the parallel loop (where Eigen runs on the
    // calling thread): every distance is computed the same way whatever the thread count.
    const std::int64_t chunks = (rows + 15) / 16;
#pragma omp parallel for schedule(dynamic, 1)
    for (std::int64_t ch = 0; ch < chunks; ++ch) {
      const std::int64_t c0 = r0 + ch * 16, cr = std::min<std::int64_t>(16, r0 + rows - c0);
      const RowMatrixF dots = m.middleRows(c0, cr) * m.transpose();
      std::vector<Candidate> c;
      c.reserve(static_cast<std::size_t>(n - 1));
      for (std::int64_t r = 0; r < cr; ++r) {
        const std::int64_t i = c0 + r;
        c.clear();
        for (std::int64_t j = 0; j < n; ++j)
          if (j != i)
            c.emplace_back(norms(i) + norms(j) - 2.0f * dots(r, j), static_cast<std::int32_t>(j));
        keepNearest(c, k);
        for (std::int64_t t = 0; t < k; ++t) {
          g.indices[static_cast<std::size_t>(i * k + t)] = c[static_cast<std::size_t>(t)].second;
          g.distances[static_cast<std::size_t>(i * k + t)] =
              reported(c[static_cast<std::size_t>(t)].first, metric);
        }
      }
    }
    control.report("knn", r0 + rows, n);
  }
  return Status::ok();
}

Status hnswKnn(const Tensor& x, const KnnOptions& o, KnnGraph& g, const EmbedControl& control) {
  const std::int64_t n = x.dim(0), d = x.dim(1), k = o.k;
  try {
    hnswlib::L2Space space(static_cast<std::size_t>(d));
    hnswlib::HierarchicalNSW<float> index(
        &space, static_cast<std::size_t>(n), static_cast<std::size_t>(o.hnswM),
        static_cast<std::size_t>(o.hnswEfConstruction), static_cast<std::size_t>(o.seed));
    // One thread, point order: the graph depends on the seed only.
    for (std::int64_t i = 0; i < n; ++i) {
      if (i % 4096 == 0) {
        if (control.cancelled())
          return Status(ErrorCode::Cancelled, "nearest neighbours cancelled");
        control.report("knn index", i, n);
      }
      index.addPoint(x.f32() + i * d, static_cast<hnswlib::labeltype>(i));
    }
    index.setEf(
        static_cast<std::size_t>(o.hnswEf > 0 ? o.hnswEf : std::max<std::int64_t>(2 * k, 128)));
    std::atomic<bool> failed{false};
#pragma omp parallel for schedule(dynamic, 256)
    for (std::int64_t i = 0; i < n; ++i) {
      if (failed.load()) continue;
      try {
        auto pq = index.searchKnn(x.f32() + i * d, static_cast<std::size_t>(k + 1));
        std::vector<Candidate> c;
        while (!pq.empty()) {
          if (static_cast<std::int64_t>(pq.top().second) != i)
            c.emplace_back(pq.top().first, static_cast<std::int32_t>(pq.top().second));
          pq.pop();
        }
        keepNearest(c, k);
        for (std::int64_t t = 0; t < k; ++t) {
          const bool have = t < static_cast<std::int64_t>(c.size());
          g.indices[static_cast<std::size_t>(i * k + t)] =
              have ? c[static_cast<std::size_t>(t)].second : static_cast<std::int32_t>(i);
          g.distances[static_cast<std::size_t>(i * k + t)] =
              have ? reported(c[static_cast<std::size_t>(t)].first, o.metric)
                   : std::numeric_limits<float>::infinity();
        }
      } catch (...) {
        failed = true;
      }
    }
    if (failed) return internalError("hnswlib failed during a query");
  } catch (const std::exception& e) {
    return internalError(std::string("hnswlib: ") + e.what());
  }
  control.report("knn", n, n);
  return Status::ok();
}

}  // namespace

Expected<KnnGraph> nearestNeighbors(const Tensor& points, const KnnOptions& options,
                                    const EmbedControl& control) {
  if (points.rank() != 2 || points.dtype() != DType::F32)
    return invalidArgument("nearest neighbours need F32 [points, dims], got " +
                           dimsToString(points.dims()));
  const std::int64_t n = points.dim(0);
  if (n > std::numeric_limits<std::int32_t>::max())
    return invalidArgument("nearest neighbours: " + std::to_string(n) + " points exceed int32");
  if (options.k < 1 || options.k > n - 1)
    return invalidArgument("nearest neighbours: k must be in [1, " + std::to_string(n - 1) +
                           "] for " + std::to_string(n) + " points, got " +
                           std::to_string(options.k));
  ScopedComputeThreads threads(options.threads);
  const Tensor x = options.metric == KnnMetric::Cosine
                       ? normalizedRows(points.toLayout(Layout::Plain))
                       : points.toLayout(Layout::Plain);
  KnnGraph g;
  g.points = n;
  g.k = options.k;
  g.indices.assign(static_cast<std::size_t>(n * options.k), 0);
  g.distances.assign(static_cast<std::size_t>(n * options.k), 0);
  const bool exact = options.method == KnnMethod::Exact ||
                     (options.method == KnnMethod::Auto && n <= kExactKnnMaxPoints);
  g.method = exact ? "exact" : "hnsw";
  if (exact) {
    LOOM_RETURN_IF_ERROR(exactKnn(x, options.k, options.metric, g, control));
  } else {
    LOOM_RETURN_IF_ERROR(hnswKnn(x, options, g, control));
  }
  return g;
}

double recallAtK(const KnnGraph& approx, const KnnGraph& exact) {
  if (approx.points != exact.points || approx.k != exact.k || approx.points == 0) return 0;
  std::int64_t found = 0;
  for (std::int64_t i = 0; i < exact.points; ++i) {
    auto a0 = approx.indices.begin() + i * approx.k;
    std::vector<std::int32_t> a(a0, a0 + approx.k);
    std::sort(a.begin(), a.end());
    for (std::int64_t t = 0; t < exact.k; ++t)
      found += std::binary_search(a.begin(), a.end(),
                                  exact.indices[static_cast<std::size_t>(i * exact.k + t)]);
  }
  return static_cast<double>(found) / static_cast<double>(exact.points * exact.k);
}

KnnGraph queryNeighbors(const Tensor& points, const float* query, std::int64_t k,
                        KnnMetric metric) {
  const std::int64_t n = points.dim(0), d = points.dim(1);
  std::vector<float> q(query, query + d);
  double qn = 0;
  for (float v : q) qn += static_cast<double>(v) * v;
  std::vector<Candidate> c;
  c.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const float* r = points.f32() + i * d;
    double s = 0, rn = 0, dot = 0;
    for (std::int64_t j = 0; j < d; ++j) {
      const double diff = static_cast<double>(r[j]) - q[static_cast<std::size_t>(j)];
      s += diff * diff;
      rn += static_cast<double>(r[j]) * r[j];
      dot += static_cast<double>(r[j]) * q[static_cast<std::size_t>(j)];
    }
    const double cosd = (rn > 0 && qn > 0) ? 2.0 * (1.0 - dot / std::sqrt(rn * qn)) : 2.0;
    c.emplace_back(static_cast<float>(metric == KnnMetric::Cosine ? cosd : s),
                   static_cast<std::int32_t>(i));
  }
  keepNearest(c, k);
  KnnGraph g;
  g.points = 1;
  g.k = static_cast<std::int64_t>(c.size());
  g.method = "exact";
  for (const auto& [dist, idx] : c) {
    g.indices.push_back(idx);
    g.distances.push_back(reported(dist, metric));
  }
  return g;
}

}  // namespace loom::embed
