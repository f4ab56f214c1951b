#include "engine/embed/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "engine/core/threads.h"
#include "engine/embed/pca.h"
#include "engine/embed/tsne_tree.h"

namespace loom::embed {

namespace {

/// Symmetric sparse P in CSR form.
struct SparseP {
  std::vector<std::int64_t> rowStart;
  std::vector<std::int32_t> cols;
  std::vector<double> values;
};

/// Row i of the conditional P from squared neighbour distances, by binary search on beta.
void conditionalRow(const float* sqdist, std::int64_t k, double perplexity, double* p) {
  const double desired = std::log(perplexity);
  double beta = 1, betaMin = -INFINITY, betaMax = INFINITY;
  for (int step = 0; step < 100; ++step) {
    double sum = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      p[j] = std::exp(-static_cast<double>(sqdist[j]) * beta);
      sum += p[j];
    }
    if (sum == 0) sum = 1e-8;
    double weighted = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      p[j] /= sum;
      weighted += static_cast<double>(sqdist[j]) * p[j];
    }
    const double diff = std::log(sum) + beta * weighted - desired;
    if (std::fabs(diff) <= 1e-5) break;
    if (diff > 0) {
      betaMin = beta;
      beta = betaMax == INFINITY ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin == -INFINITY ? beta / 2 : (beta + betaMin) / 2;
    }
  }
}

SparseP affinities(const KnnGraph& g, double perplexity, const EmbedControl& control) {
  const std::int64_t n = g.points, k = g.k;
  std::vector<float> sq(g.distances.size());
  for (std::size_t i = 0; i < sq.size(); ++i) sq[i] = g.distances[i] * g.distances[i];
  std::vector<double> cond(sq.size());
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) conditionalRow(&sq[i * k], k, perplexity, &cond[i * k]);
  control.report("affinities", 1, 2);
  // P + P^T: each edge lands in both rows; duplicates merge after a per-row sort.
  std::vector<std::vector<std::pair<std::int32_t, double>>> rows(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = 0; t < k; ++t) {
      const std::int32_t j = g.indices[static_cast<std::size_t>(i * k + t)];
      const double v = cond[static_cast<std::size_t>(i * k + t)];
      rows[static_cast<std::size_t>(i)].emplace_back(j, v);
      rows[static_cast<std::size_t>(j)].emplace_back(static_cast<std::int32_t>(i), v);
    }
  SparseP p;
  p.rowStart.push_back(0);
  double total = 0;
  for (auto& row : rows) {
    std::sort(row.begin(), row.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t t = 0; t < row.size();) {
      std::size_t u = t;
      double v = 0;
      for (; u < row.size() && row[u].first == row[t].first; ++u) v += row[u].second;
      p.cols.push_back(row[t].first);
      p.values.push_back(v);
      total += v;
      t = u;
    }
    p.rowStart.push_back(static_cast<std::int64_t>(p.cols.size()));
    std::vector<std::pair<std::int32_t, double>>().swap(row);
  }
  total = std::max(total, std::numeric_limits<double>::min());
  for (double& v : p.values) v /= total;
  control.report("affinities", 2, 2);
  return p;
}

/// `order` = the indices of the n points `y` (Dim values each) sorted by their Morton code
/// (Z-order over the bounding box, 2^(30/Dim) cells per axis): an order in which consecutive
/// points are mostly near each other.
template <int Dim>
void spatialOrder(const double* y, std::int64_t n, std::vector<std::int64_t>& order) {
  constexpr int kBits = 30 / Dim;
  double lo[Dim], hi[Dim];
  for (int d = 0; d < Dim; ++d) lo[d] = INFINITY, hi[d] = -INFINITY;
  for (std::int64_t i = 0; i < n; ++i)
    for (int d = 0; d < Dim; ++d) {
      lo[d] = std::min(lo[d], y[i * Dim + d]);
      hi[d] = std::max(hi[d], y[i * Dim + d]);
    }
  std::vector<std::pair<std::uint32_t, std::int64_t>> keyed(static_cast<std::size_t>(n));
  const double cells = static_cast<double>((1u << kBits) - 1);
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t key = 0;
    for (int d = 0; d < Dim; ++d) {
      const double span = hi[d] > lo[d] ? hi[d] - lo[d] : 1.0;
      const auto cell = static_cast<std::uint32_t>((y[i * Dim + d] - lo[d]) / span * cells);
      for (int b = 0; b < kBits; ++b) key |= ((cell >> b) & 1u) << (b * Dim + d);
    }
    keyed[static_cast<std::size_t>(i)] = {key, i};
  }
  std::sort(keyed.begin(), keyed.end());
  order.resize(static_cast<std::size_t>(n));
  for (std::int64_t t = 0; t < n; ++t)
    order[static_cast<std::size_t>(t)] = keyed[static_cast<std::size_t>(t)].second;
}

template <int Dim>
class Optimizer {
 public:
  Optimizer(const SparseP& p, std::vector<double>& y, std::int64_t n) : m_p(p), m_y(y), m_n(n) {}

  /// One gradient evaluation into `grad`; returns Z.
  double gradient(double exaggeration, double theta, std::vector<double>& grad) {
    m_tree.build(m_y.data(), m_n);
    if (m_calls++ % kReorderEvery == 0) spatialOrder<Dim>(m_y.data(), m_n, m_order);
    m_zi.resize(static_cast<std::size_t>(m_n));
    m_rep.resize(static_cast<std::size_t>(m_n * Dim));
    const double theta2 = theta * theta;
    // Points are walked in spatial order: neighbours visit the same cells, which then stay
    // in cache. Each point's sums do not depend on the order, so neither does the result.
#pragma omp parallel for schedule(dynamic, 64)
    for (std::int64_t t = 0; t < m_n; ++t) {
      const std::int64_t i = m_order[static_cast<std::size_t>(t)];
      double f[Dim] = {};
      m_zi[static_cast<std::size_t>(i)] = m_tree.repulsion(i, theta2, f);
      for (int d = 0; d < Dim; ++d) m_rep[static_cast<std::size_t>(i * Dim + d)] = f[d];
    }
    double z = 0;
    for (double v : m_zi) z += v;  // fixed order: independent of the thread count
    z = std::max(z, std::numeric_limits<double>::min());
    const std::int64_t* rowStart = m_p.rowStart.data();
    const std::int32_t* cols = m_p.cols.data();
    const double* values = m_p.values.data();
    const double* y = m_y.data();
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < m_n; ++i) {
      double attr[Dim] = {};
      const double* yi = y + i * Dim;
      // Blocks of edges: their divisions vectorise, the sum still runs edge by edge.
      constexpr int kBlock = 16;
      for (std::int64_t e0 = rowStart[i]; e0 < rowStart[i + 1]; e0 += kBlock) {
        const int m = static_cast<int>(std::min<std::int64_t>(kBlock, rowStart[i + 1] - e0));
        double diff[kBlock][Dim], den[kBlock], w[kBlock];
        for (int t = 0; t < m; ++t) {
          const double* yj = y + static_cast<std::int64_t>(cols[e0 + t]) * Dim;
          double d2 = 0;
          for (int d = 0; d < Dim; ++d) {
            diff[t][d] = yi[d] - yj[d];
            d2 += diff[t][d] * diff[t][d];
          }
          den[t] = 1.0 + d2;
        }
        for (int t = 0; t < m; ++t) w[t] = values[e0 + t] / den[t];
        for (int t = 0; t < m; ++t)
          for (int d = 0; d < Dim; ++d) attr[d] += w[t] * diff[t][d];
      }
      for (int d = 0; d < Dim; ++d)
        grad[static_cast<std::size_t>(i * Dim + d)] =
            4.0 * (exaggeration * attr[d] - m_rep[static_cast<std::size_t>(i * Dim + d)] / z);
    }
    return z;
  }

  /// KL(P || Q) with Q's normaliser z from the last gradient.
  double klDivergence(double z) const {
    double kl = 0;
    for (std::int64_t i = 0; i < m_n; ++i) {
      const double* yi = &m_y[static_cast<std::size_t>(i * Dim)];
      for (std::int64_t e = m_p.rowStart[static_cast<std::size_t>(i)];
           e < m_p.rowStart[static_cast<std::size_t>(i + 1)]; ++e) {
        const double* yj =
            &m_y[static_cast<std::size_t>(m_p.cols[static_cast<std::size_t>(e)]) * Dim];
        double d2 = 0;
        for (int d = 0; d < Dim; ++d) d2 += (yi[d] - yj[d]) * (yi[d] - yj[d]);
        const double pij = m_p.values[static_cast<std::size_t>(e)];
        const double qij = 1.0 / (1.0 + d2) / z;
        kl += pij * std::log(std::max(pij, 1e-12) / std::max(qij, 1e-12));
      }
    }
    return kl;
  }

 private:
  static constexpr std::int64_t kReorderEvery = 16;  // points move little between iterations

  const SparseP& m_p;
  std::vector<double>& m_y;
  std::int64_t m_n;
  detail::BarnesHutTree<Dim> m_tree;
  std::int64_t m_calls = 0;
  std::vector<std::int64_t> m_order;
  std::vector<double> m_zi, m_rep;  // per point: its Z term, its repulsion
};

template <int Dim>
Status optimize(const SparseP& p, std::vector<double>& y, std::int64_t n, const TsneOptions& o,
                double learningRate, const EmbedControl& control, TsneResult& result) {
  Optimizer<Dim> opt(p, y, n);
  std::vector<double> grad(y.size()), update(y.size()), gains(y.size(), 1.0);
  std::vector<float> snapshot;
  const bool exaggerate = o.initialLayout.empty() || o.exaggerateInitialLayout;
  const std::int64_t stage1 = exaggerate ? std::min(o.exaggerationIterations, o.iterations) : 0;
  double kl = 0;
  for (std::int64_t it = 0; it < o.iterations; ++it) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "t-SNE cancelled");
    const bool early = it < stage1;
    if (it == stage1 && stage1 > 0) {  // sklearn restarts gains and momentum for stage 2
      std::fill(update.begin(), update.end(), 0.0);
      std::fill(gains.begin(), gains.end(), 1.0);
    }
    const double z = opt.gradient(early ? o.earlyExaggeration : 1.0, o.theta, grad);
    const double momentum = early ? 0.5 : 0.8;
#pragma omp parallel for schedule(static)
    for (std::size_t c = 0; c < y.size(); ++c) {
      gains[c] = (update[c] * grad[c] < 0) ? gains[c] + 0.2 : gains[c] * 0.8;
      gains[c] = std::max(gains[c], 0.01);
      update[c] = momentum * update[c] - learningRate * gains[c] * grad[c];
      y[c] += update[c];
    }
    const bool last = it + 1 == o.iterations;
    // The estimate costs a log per edge: made only for a listener, and for the result.
    if (last || ((it + 1) % 50 == 0 && control.onProgress)) kl = opt.klDivergence(z);
    control.report("optimize", it + 1, o.iterations, kl);
    if (control.onLayout &&
        (last || (control.layoutEvery > 0 && (it + 1) % control.layoutEvery == 0))) {
      snapshot.assign(y.begin(), y.end());
      control.onLayout(it + 1, snapshot);
    }
  }
  result.klDivergence = kl;
  result.iterations = o.iterations;
  return Status::ok();
}

}  // namespace

Expected<TsneResult> tsne(const Tensor& pointsIn, const TsneOptions& o,
                          const EmbedControl& control) {
  if (pointsIn.rank() != 2 || pointsIn.dtype() != DType::F32)
    return invalidArgument("t-SNE needs F32 [points, dims], got " + dimsToString(pointsIn.dims()));
  const std::int64_t n = pointsIn.dim(0);
  if (n < 4) return invalidArgument("t-SNE needs at least 4 points, got " + std::to_string(n));
  if (!(o.perplexity > 0) || o.perplexity >= static_cast<double>(n))
    return invalidArgument("t-SNE perplexity must be in (0, " + std::to_string(n) + ") for " +
                           std::to_string(n) + " points, got " + std::to_string(o.perplexity));
  if (o.components != 2 && o.components != 3)
    return invalidArgument("t-SNE components must be 2 or 3, got " + std::to_string(o.components));
  if (std::isnan(o.theta)) return invalidArgument("t-SNE theta must be a number, got NaN");
  if (o.iterations < 1)
    return invalidArgument("t-SNE iterations must be >= 1, got " + std::to_string(o.iterations));
  if (!(o.earlyExaggeration > 0) || o.learningRate < 0)
    return invalidArgument("t-SNE early exaggeration must be > 0 and the learning rate >= 0");
  if (!o.initialLayout.empty() && (o.initialLayout.rank() != 2 || o.initialLayout.dim(0) != n ||
                                   o.initialLayout.dim(1) != o.components))
    return invalidArgument("t-SNE initial layout must be [" + std::to_string(n) + ", " +
                           std::to_string(o.components) + "], got " +
                           dimsToString(o.initialLayout.dims()));
  ScopedComputeThreads threads(o.threads);
  Tensor points = pointsIn.toLayout(Layout::Plain);
  if (o.pcaDims > 0 && points.dim(1) > o.pcaDims) {
    PcaOptions po;
    po.components = std::min<std::int64_t>(o.pcaDims, n);
    po.seed = o.seed;
    po.threads = o.threads;
    LOOM_ASSIGN_OR_RETURN(PcaResult reduced, pca(points, po, control));
    points = reduced.projected;
  }
  KnnOptions ko;
  ko.k = std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3.0 * o.perplexity + 1));
  ko.method = o.knn;
  ko.seed = o.seed;
  ko.threads = o.threads;
  LOOM_ASSIGN_OR_RETURN(KnnGraph g, nearestNeighbors(points, ko, control));
  if (control.cancelled()) return Status(ErrorCode::Cancelled, "t-SNE cancelled");
  const SparseP p = affinities(g, o.perplexity, control);

  const int dim = o.components;
  std::vector<double> y(static_cast<std::size_t>(n * dim));
  if (!o.initialLayout.empty()) {
    const Tensor init = o.initialLayout.toLayout(Layout::Plain);
    for (std::size_t c = 0; c < y.size(); ++c) y[c] = init.f32()[c];
  } else if (o.init == TsneInit::Pca) {
    PcaOptions po;
    po.components = dim;
    po.seed = o.seed;
    LOOM_ASSIGN_OR_RETURN(PcaResult init, pca(points, po));
    double mean = 0, sq = 0;
    for (std::int64_t i = 0; i < n; ++i) mean += init.projected.f32()[i * dim];
    mean /= static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double v = init.projected.f32()[i * dim] - mean;
      sq += v * v;
    }
    const double sd = std::sqrt(sq / static_cast<double>(n));
    const double scale = sd > 0 ? 1e-4 / sd : 1.0;
    for (std::size_t c = 0; c < y.size(); ++c) y[c] = init.projected.f32()[c] * scale;
  } else {
    std::mt19937_64 rng(o.seed);
    std::normal_distribution<double> normal(0.0, 1e-4);
    for (double& v : y) v = normal(rng);
  }
  const double lr = o.learningRate > 0
                        ? o.learningRate
                        : std::max(static_cast<double>(n) / o.earlyExaggeration / 4.0, 50.0);
  TsneOptions resolved = o;
  if (resolved.theta < 0) resolved.theta = n <= kTightThetaMaxPoints ? 0.3 : 0.5;
  TsneResult result;
  LOOM_RETURN_IF_ERROR(dim == 2 ? optimize<2>(p, y, n, resolved, lr, control, result)
                                : optimize<3>(p, y, n, resolved, lr, control, result));
  result.layout = Tensor({n, dim});
  for (std::size_t c = 0; c < y.size(); ++c) result.layout.f32()[c] = static_cast<float>(y[c]);
  return result;
}

}  // namespace loom::embed
