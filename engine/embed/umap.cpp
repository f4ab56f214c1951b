#include "engine/embed/umap.h"

#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <algorithm>
#include <cmath>
#include <random>

#include "engine/core/threads.h"
#include "engine/embed/pca.h"

namespace loom::embed {

namespace {

struct Edges {  // COO of the symmetric fuzzy graph (both directions present)
  std::vector<std::int32_t> head, tail;
  std::vector<double> weight;
};

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// sigma and rho per point (umap-learn's smooth_knn_dist, self excluded from `g`).
void smoothKnn(const KnnGraph& g, double target, std::vector<double>& sigma,
               std::vector<double>& rho) {
  const std::int64_t n = g.points, k = g.k;
  sigma.assign(static_cast<std::size_t>(n), 1.0);
  rho.assign(static_cast<std::size_t>(n), 0.0);
  double meanAll = 0;
  for (float d : g.distances) meanAll += d;
  meanAll /= static_cast<double>(std::max<std::size_t>(g.distances.size(), 1));
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    const float* d = &g.distances[static_cast<std::size_t>(i * k)];
    double r = 0, mean = 0;
    for (std::int64_t j = 0; j < k; ++j) {
      mean += d[j];
      if (r == 0 && d[j] > 0) r = d[j];
    }
    mean /= static_cast<double>(k);
    double lo = 0, hi = INFINITY, mid = 1;
    for (int step = 0; step < 64; ++step) {
      double psum = 0;
      for (std::int64_t j = 0; j < k; ++j) {
        const double x = d[j] - r;
        psum += x > 0 ? std::exp(-x / mid) : 1.0;
      }
      if (std::fabs(psum - target) < 1e-5) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi == INFINITY ? mid * 2 : (lo + hi) / 2;
      }
    }
    const double floor = 1e-3 * (r > 0 ? mean : meanAll);
    sigma[static_cast<std::size_t>(i)] = std::max(mid, floor);
    rho[static_cast<std::size_t>(i)] = r;
  }
}

Edges fuzzyGraph(const KnnGraph& g, double target) {
  std::vector<double> sigma, rho;
  smoothKnn(g, target, sigma, rho);
  const std::int64_t n = g.points, k = g.k;
  std::vector<std::vector<std::pair<std::int32_t, double>>> rows(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t t = 0; t < k; ++t) {
      const std::int32_t j = g.indices[static_cast<std::size_t>(i * k + t)];
      const double x =
          g.distances[static_cast<std::size_t>(i * k + t)] - rho[static_cast<std::size_t>(i)];
      const double w = x <= 0 ? 1.0 : std::exp(-x / sigma[static_cast<std::size_t>(i)]);
      rows[static_cast<std::size_t>(i)].emplace_back(j, w);  // A_ij
      rows[static_cast<std::size_t>(j)].emplace_back(static_cast<std::int32_t>(i),
                                                     -w);  // A_ji^T, marked
    }
  Edges e;
  for (std::int64_t i = 0; i < n; ++i) {
    auto& row = rows[static_cast<std::size_t>(i)];
    std::sort(row.begin(), row.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (std::size_t t = 0; t < row.size();) {
      double a = 0, b = 0;  // A_ij and A_ji
      std::size_t u = t;
      for (; u < row.size() && row[u].first == row[t].first; ++u)
        (row[u].second >= 0 ? a : b) = std::fabs(row[u].second);
      const double w = a + b - a * b;
      if (w > 0) {
        e.head.push_back(static_cast<std::int32_t>(i));
        e.tail.push_back(row[t].first);
        e.weight.push_back(w);
      }
      t = u;
    }
    std::vector<std::pair<std::int32_t, double>>().swap(row);
  }
  return e;
}

/// Scales each coordinate to [0, 10] (umap-learn does this before optimising).
void rescale(std::vector<double>& y, std::int64_t n, int dim) {
  for (int d = 0; d < dim; ++d) {
    double lo = INFINITY, hi = -INFINITY;
    for (std::int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, y[static_cast<std::size_t>(i * dim + d)]);
      hi = std::max(hi, y[static_cast<std::size_t>(i * dim + d)]);
    }
    const double s = hi > lo ? 10.0 / (hi - lo) : 1.0;
    for (std::int64_t i = 0; i < n; ++i)
      y[static_cast<std::size_t>(i * dim + d)] =
          (y[static_cast<std::size_t>(i * dim + d)] - lo) * s;
  }
}

/// Laplacian eigenmap by subspace iteration; false when it cannot (then PCA is used).
bool spectralLayout(const Edges& e, std::int64_t n, int dim, std::uint64_t seed,
                    std::vector<double>& y, const EmbedControl& control) {
  // One thread: Eigen's products and QR then give the same bits for any thread setting.
  ScopedComputeThreads single(1);
  std::vector<double> degree(static_cast<std::size_t>(n), 0.0);
  for (std::size_t t = 0; t < e.weight.size(); ++t)
    degree[static_cast<std::size_t>(e.head[t])] += e.weight[t];
  for (double d : degree)
    if (d <= 0) return false;
  std::vector<Eigen::Triplet<double>> trip;
  trip.reserve(e.weight.size() + static_cast<std::size_t>(n));
  for (std::size_t t = 0; t < e.weight.size(); ++t)
    trip.emplace_back(e.head[t], e.tail[t],
                      0.5 * e.weight[t] /
                          std::sqrt(degree[static_cast<std::size_t>(e.head[t])] *
                                    degree[static_cast<std::size_t>(e.tail[t])]));
  for (std::int64_t i = 0; i < n; ++i) trip.emplace_back(i, i, 0.5);
  Eigen::SparseMatrix<double, Eigen::RowMajor> m(n, n);  // (I + D^-1/2 W D^-1/2) / 2
  m.setFromTriplets(trip.begin(), trip.end());
  Eigen::VectorXd u0(n);
  for (std::int64_t i = 0; i < n; ++i) u0(i) = std::sqrt(degree[static_cast<std::size_t>(i)]);
  u0.normalize();
  const int cols = dim + 4;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd b(n, cols);
  for (Eigen::Index c = 0; c < b.cols(); ++c)
    for (Eigen::Index r = 0; r < b.rows(); ++r) b(r, c) = normal(rng);
  auto orth = [&](Eigen::MatrixXd& x) {
    x -= u0 * (u0.transpose() * x);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(x);
    x = qr.householderQ() * Eigen::MatrixXd::Identity(x.rows(), x.cols());
  };
  orth(b);
  const int iterations = 300;
  for (int it = 0; it < iterations; ++it) {
    if (control.cancelled()) return false;
    Eigen::MatrixXd next = m * b;
    b = next;
    if (it % 4 == 3 || it + 1 == iterations) orth(b);
    if (it % 20 == 0) control.report("spectral", it, iterations);
  }
  const Eigen::MatrixXd t = b.transpose() * (m * b);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (t + t.transpose()));
  const Eigen::MatrixXd ritz = b * es.eigenvectors();  // ascending eigenvalues
  y.resize(static_cast<std::size_t>(n * dim));
  for (int d = 0; d < dim; ++d)
    for (std::int64_t i = 0; i < n; ++i)
      y[static_cast<std::size_t>(i * dim + d)] = ritz(i, cols - 1 - d);
  return true;
}

}  // namespace

std::pair<double, double> fitUmapAB(double spread, double minDist) {
  const int m = 300;
  std::vector<double> xs(m), ys(m);
  for (int i = 0; i < m; ++i) {
    xs[static_cast<std::size_t>(i)] = spread * 3.0 * i / (m - 1);
    const double x = xs[static_cast<std::size_t>(i)];
    ys[static_cast<std::size_t>(i)] = x < minDist ? 1.0 : std::exp(-(x - minDist) / spread);
  }
  double a = 1, b = 1, lambda = 1e-3;
  auto cost = [&](double aa, double bb) {
    double s = 0;
    for (int i = 0; i < m; ++i) {
      const double x = xs[static_cast<std::size_t>(i)];
      const double f = 1.0 / (1.0 + aa * std::pow(x, 2 * bb));
      s += (f - ys[static_cast<std::size_t>(i)]) * (f - ys[static_cast<std::size_t>(i)]);
    }
    return s;
  };
  double c = cost(a, b);
  for (int it = 0; it < 500; ++it) {
    Eigen::Matrix2d jtj = Eigen::Matrix2d::Zero();
    Eigen::Vector2d jtr = Eigen::Vector2d::Zero();
    for (int i = 0; i < m; ++i) {
      const double x = xs[static_cast<std::size_t>(i)];
      if (x <= 0) continue;  // f = 1 there whatever a and b are
      const double p = std::pow(x, 2 * b);
      const double den = 1.0 + a * p;
      const double f = 1.0 / den;
      const double r = f - ys[static_cast<std::size_t>(i)];
      const Eigen::Vector2d j(-p / (den * den), -a * p * 2.0 * std::log(x) / (den * den));
      jtj += j * j.transpose();
      jtr += j * r;
    }
    Eigen::Matrix2d h = jtj;
    h.diagonal() *= 1.0 + lambda;
    const Eigen::Vector2d step = h.ldlt().solve(-jtr);
    const double na = a + step(0), nb = b + step(1);
    const double nc = cost(na, nb);
    if (nc < c) {
      a = na;
      b = nb;
      lambda *= 0.3;
      if (c - nc < 1e-15) break;
      c = nc;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return {a, b};
}

Expected<UmapResult> umap(const Tensor& pointsIn, const UmapOptions& o,
                          const EmbedControl& control) {
  if (pointsIn.rank() != 2 || pointsIn.dtype() != DType::F32)
    return invalidArgument("UMAP needs F32 [points, dims], got " + dimsToString(pointsIn.dims()));
  const std::int64_t n = pointsIn.dim(0);
  if (o.nNeighbors < 2 || o.nNeighbors > n - 1)
    return invalidArgument("UMAP n_neighbors must be in [2, " + std::to_string(n - 1) + "] for " +
                           std::to_string(n) + " points, got " + std::to_string(o.nNeighbors));
  if (o.components < 1) return invalidArgument("UMAP components must be >= 1");
  if (!(o.spread > 0) || o.minDist < 0 || o.minDist > o.spread)
    return invalidArgument("UMAP min_dist must be in [0, spread] and spread > 0, got min_dist " +
                           std::to_string(o.minDist) + ", spread " + std::to_string(o.spread));
  if (o.epochs < 0 || o.negativeSampleRate < 0 || !(o.learningRate > 0))
    return invalidArgument("UMAP epochs and negative_sample_rate must be >= 0, learning rate > 0");
  const int dim = o.components;
  if (!o.initialLayout.empty() &&
      (o.initialLayout.rank() != 2 || o.initialLayout.dim(0) != n || o.initialLayout.dim(1) != dim))
    return invalidArgument("UMAP initial layout must be [" + std::to_string(n) + ", " +
                           std::to_string(dim) + "], got " + dimsToString(o.initialLayout.dims()));
  ScopedComputeThreads threads(o.threads);
  const Tensor points = pointsIn.toLayout(Layout::Plain);
  KnnOptions ko;
  ko.k = o.nNeighbors - 1;
  ko.metric = o.metric;
  ko.method = o.knn;
  ko.seed = o.seed;
  ko.threads = o.threads;
  LOOM_ASSIGN_OR_RETURN(KnnGraph g, nearestNeighbors(points, ko, control));
  Edges e = fuzzyGraph(g, std::log2(static_cast<double>(o.nNeighbors)));
  control.report("graph", 1, 1);
  const std::int64_t epochs = o.epochs > 0 ? o.epochs : (n <= 10000 ? 500 : 200);

  std::vector<double> y;
  if (!o.initialLayout.empty()) {
    const Tensor init = o.initialLayout.toLayout(Layout::Plain);
    y.assign(init.f32(), init.f32() + n * dim);
  } else {
    bool have = false;
    if (o.init == UmapInit::Spectral) have = spectralLayout(e, n, dim, o.seed, y, control);
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "UMAP cancelled");
    if (!have && o.init != UmapInit::Random && dim <= points.dim(1)) {
      PcaOptions po;
      po.components = dim;
      po.seed = o.seed;
      LOOM_ASSIGN_OR_RETURN(PcaResult r, pca(points, po));
      y.assign(r.projected.f32(), r.projected.f32() + n * dim);
      have = true;
    }
    std::mt19937_64 rng(o.seed);
    if (!have) {
      std::uniform_real_distribution<double> uni(-10.0, 10.0);
      y.resize(static_cast<std::size_t>(n * dim));
      for (double& v : y) v = uni(rng);
    } else {  // umap-learn's noisy_scale_coords: max |coordinate| 10, noise 1e-4
      double mx = 0;
      for (double v : y) mx = std::max(mx, std::fabs(v));
      const double s = mx > 0 ? 10.0 / mx : 1.0;
      std::normal_distribution<double> noise(0.0, 1e-4);
      for (double& v : y) v = v * s + noise(rng);
    }
  }
  rescale(y, n, dim);

  // Epochs per sample; edges below max / epochs are dropped as umap-learn does.
  double wmax = 0;
  for (double w : e.weight) wmax = std::max(wmax, w);
  std::vector<std::size_t> live;
  std::vector<double> perSample(e.weight.size(), -1.0);
  for (std::size_t t = 0; t < e.weight.size(); ++t)
    if (e.weight[t] >= wmax / static_cast<double>(epochs)) {
      perSample[t] = wmax / e.weight[t];
      live.push_back(t);
    }
  const auto [a, b] = fitUmapAB(o.spread, o.minDist);
  std::vector<double> nextSample(perSample), negPer(perSample.size()), nextNeg(perSample.size());
  for (std::size_t t = 0; t < perSample.size(); ++t) {
    negPer[t] = o.negativeSampleRate > 0 ? perSample[t] / static_cast<double>(o.negativeSampleRate)
                                         : INFINITY;
    nextNeg[t] = negPer[t];
  }
  auto clip = [](double v) { return std::clamp(v, -4.0, 4.0); };
  std::vector<float> snapshot;
  std::uint64_t counter = 0;
  const std::uint64_t key = splitmix(o.seed ^ 0x756d6170ull);
  for (std::int64_t epoch = 0; epoch < epochs; ++epoch) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "UMAP cancelled");
    const double alpha =
        o.learningRate * (1.0 - static_cast<double>(epoch) / static_cast<double>(epochs));
    const auto ep = static_cast<double>(epoch);
    for (std::size_t t : live) {
      if (nextSample[t] > ep) continue;
      double* cur = &y[static_cast<std::size_t>(e.head[t]) * static_cast<std::size_t>(dim)];
      double* oth = &y[static_cast<std::size_t>(e.tail[t]) * static_cast<std::size_t>(dim)];
      double d2 = 0;
      for (int d = 0; d < dim; ++d) d2 += (cur[d] - oth[d]) * (cur[d] - oth[d]);
      const double coeff =
          d2 > 0 ? -2.0 * a * b * std::pow(d2, b - 1.0) / (a * std::pow(d2, b) + 1.0) : 0.0;
      for (int d = 0; d < dim; ++d) {
        const double gd = clip(coeff * (cur[d] - oth[d]));
        cur[d] += gd * alpha;
        oth[d] -= gd * alpha;
      }
      nextSample[t] += perSample[t];
      const auto negatives = static_cast<std::int64_t>((ep - nextNeg[t]) / negPer[t]);
      for (std::int64_t s = 0; s < negatives; ++s) {
        const auto k =
            static_cast<std::int64_t>(splitmix(key + counter++) % static_cast<std::uint64_t>(n));
        if (k == e.head[t]) continue;
        const double* neg = &y[static_cast<std::size_t>(k * dim)];
        double dn = 0;
        for (int d = 0; d < dim; ++d) dn += (cur[d] - neg[d]) * (cur[d] - neg[d]);
        const double rc = dn > 0 ? 2.0 * b / ((0.001 + dn) * (a * std::pow(dn, b) + 1.0)) : 0.0;
        for (int d = 0; d < dim; ++d)
          cur[d] += (rc > 0 ? clip(rc * (cur[d] - neg[d])) : 4.0) * alpha;
      }
      nextNeg[t] += static_cast<double>(negatives) * negPer[t];
    }
    control.report("optimize", epoch + 1, epochs);
    const bool last = epoch + 1 == epochs;
    if (control.onLayout &&
        (last || (control.layoutEvery > 0 && (epoch + 1) % control.layoutEvery == 0))) {
      snapshot.assign(y.begin(), y.end());
      control.onLayout(epoch + 1, snapshot);
    }
  }
  UmapResult r;
  r.a = a;
  r.b = b;
  r.epochs = epochs;
  r.layout = Tensor({n, dim});
  for (std::size_t c = 0; c < y.size(); ++c) r.layout.f32()[c] = static_cast<float>(y[c]);
  return r;
}

}  // namespace loom::embed
