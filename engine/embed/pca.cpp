#include "engine/embed/pca.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>

#include "engine/core/threads.h"

namespace loom::embed {

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapF = Eigen::Map<const RowMatrixF>;
constexpr std::int64_t kBlockRows = 4096;

Eigen::VectorXd columnMeans(const MapF& x) {
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(x.cols());
  for (std::int64_t r0 = 0; r0 < x.rows(); r0 += kBlockRows) {
    const std::int64_t rows = std::min(kBlockRows, x.rows() - r0);
    mean += x.middleRows(r0, rows).cast<double>().colwise().sum().transpose();
  }
  return mean / static_cast<double>(x.rows());
}

/// Flips each row of `v` (components x D) so that its largest-magnitude entry is positive.
void fixSigns(Eigen::MatrixXd& v) {
  for (Eigen::Index i = 0; i < v.rows(); ++i) {
    Eigen::Index at = 0;
    v.row(i).cwiseAbs().maxCoeff(&at);
    if (v(i, at) < 0) v.row(i) *= -1.0;
  }
}

double totalVariance(const MapF& x, const Eigen::VectorXd& mean) {
  double total = 0;
  for (std::int64_t r0 = 0; r0 < x.rows(); r0 += kBlockRows) {
    const std::int64_t rows = std::min(kBlockRows, x.rows() - r0);
    total += (x.middleRows(r0, rows).cast<double>().rowwise() - mean.transpose()).squaredNorm();
  }
  return total / static_cast<double>(x.rows() - 1);
}

/// Exact: eigenvectors of the covariance, largest first.
Status exactPca(const MapF& x, const Eigen::VectorXd& mean, std::int64_t k,
                Eigen::MatrixXd& components, std::vector<double>& variance, double& total,
                const EmbedControl& control) {
  const auto d = x.cols();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
  for (std::int64_t r0 = 0; r0 < x.rows(); r0 += kBlockRows) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "PCA cancelled");
    const std::int64_t rows = std::min(kBlockRows, x.rows() - r0);
    const Eigen::MatrixXd b = x.middleRows(r0, rows).cast<double>().rowwise() - mean.transpose();
    cov.selfadjointView<Eigen::Lower>().rankUpdate(b.transpose());
    control.report("pca", r0 + rows, x.rows());
  }
  cov = cov.selfadjointView<Eigen::Lower>();
  const double denom = static_cast<double>(x.rows() - 1);
  total = cov.trace() / denom;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cov);
  if (solver.info() != Eigen::Success) return internalError("the PCA eigensolver did not converge");
  components.resize(k, d);
  variance.resize(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) {
    const auto col = d - 1 - i;  // eigenvalues ascend
    components.row(i) = solver.eigenvectors().col(col).transpose();
    variance[static_cast<std::size_t>(i)] = std::max(0.0, solver.eigenvalues()(col)) / denom;
  }
  return Status::ok();
}

Eigen::MatrixXd orthonormal(const Eigen::MatrixXd& m) {
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
  return qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
}

/// X_c * m without forming X_c (X times m minus the mean's contribution), in row blocks.
Eigen::MatrixXd timesCentred(const MapF& x, const Eigen::VectorXd& mean, const Eigen::MatrixXd& m) {
  Eigen::MatrixXd out(x.rows(), m.cols());
  const Eigen::RowVectorXd shift = mean.transpose() * m;
  for (std::int64_t r0 = 0; r0 < x.rows(); r0 += kBlockRows) {
    const std::int64_t rows = std::min(kBlockRows, x.rows() - r0);
    out.middleRows(r0, rows) = (x.middleRows(r0, rows).cast<double>() * m).rowwise() - shift;
  }
  return out;
}

/// X_c^T * m, in row blocks.
Eigen::MatrixXd centredTransposeTimes(const MapF& x, const Eigen::VectorXd& mean,
                                      const Eigen::MatrixXd& m) {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(x.cols(), m.cols());
  for (std::int64_t r0 = 0; r0 < x.rows(); r0 += kBlockRows) {
    const std::int64_t rows = std::min(kBlockRows, x.rows() - r0);
    out.noalias() += x.middleRows(r0, rows).cast<double>().transpose() * m.middleRows(r0, rows);
  }
  out -= mean * m.colwise().sum();
  return out;
}

Status randomizedPca(const MapF& x, const Eigen::VectorXd& mean, std::int64_t k,
                     const PcaOptions& o, Eigen::MatrixXd& components,
                     std::vector<double>& variance, const EmbedControl& control) {
  const std::int64_t l = std::min<std::int64_t>(k + o.oversamples, std::min(x.rows(), x.cols()));
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd omega(x.cols(), l);
  for (Eigen::Index j = 0; j < omega.cols(); ++j)
    for (Eigen::Index i = 0; i < omega.rows(); ++i) omega(i, j) = normal(rng);
  Eigen::MatrixXd q = orthonormal(timesCentred(x, mean, omega));
  for (std::int64_t it = 0; it < o.powerIterations; ++it) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "PCA cancelled");
    const Eigen::MatrixXd z = orthonormal(centredTransposeTimes(x, mean, q));
    q = orthonormal(timesCentred(x, mean, z));
    control.report("pca", it + 1, o.powerIterations);
  }
  const Eigen::MatrixXd bT = centredTransposeTimes(x, mean, q);  // (Q^T X_c)^T, D x l
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(bT, Eigen::ComputeThinU);
  components = svd.matrixU().leftCols(k).transpose();
  variance.resize(static_cast<std::size_t>(k));
  for (std::int64_t i = 0; i < k; ++i) {
    const double s = svd.singularValues()(i);
    variance[static_cast<std::size_t>(i)] = s * s / static_cast<double>(x.rows() - 1);
  }
  return Status::ok();
}

}  // namespace

Expected<PcaResult> pca(const Tensor& points, const PcaOptions& options,
                        const EmbedControl& control) {
  if (points.rank() != 2 || points.dtype() != DType::F32)
    return invalidArgument("PCA needs F32 [points, dims], got " + dimsToString(points.dims()));
  const std::int64_t n = points.dim(0), d = points.dim(1);
  if (n < 2) return invalidArgument("PCA needs at least 2 points, got " + std::to_string(n));
  const std::int64_t k = options.components;
  if (k < 1 || k > std::min(n, d))
    return invalidArgument("PCA components must be in [1, " + std::to_string(std::min(n, d)) +
                           "] for " + dimsToString(points.dims()) + ", got " + std::to_string(k));
  ScopedComputeThreads threads(options.threads);
  const Tensor plain = points.toLayout(Layout::Plain);
  const MapF x(plain.f32(), n, d);
  const Eigen::VectorXd mean = columnMeans(x);
  const bool exact = options.solver == PcaSolver::Exact ||
                     (options.solver == PcaSolver::Auto && d <= kExactPcaMaxDims);
  PcaResult r;
  Eigen::MatrixXd comps;
  double total = 0;
  if (exact) {
    LOOM_RETURN_IF_ERROR(exactPca(x, mean, k, comps, r.explainedVariance, total, control));
  } else {
    LOOM_RETURN_IF_ERROR(randomizedPca(x, mean, k, options, comps, r.explainedVariance, control));
    total = totalVariance(x, mean);
  }
  fixSigns(comps);
  r.solver = exact ? "exact" : "randomized";
  r.mean.assign(mean.data(), mean.data() + d);
  for (double v : r.explainedVariance)
    r.explainedVarianceRatio.push_back(total > 0 ? v / total : 0);
  r.components = Tensor({k, d});
  Eigen::Map<RowMatrixF>(r.components.f32(), k, d) = comps.cast<float>();
  r.projected = Tensor({n, k});
  Eigen::Map<RowMatrixF> proj(r.projected.f32(), n, k);
  const Eigen::MatrixXd compsT = comps.transpose();
  const Eigen::RowVectorXd shift = mean.transpose() * compsT;
  for (std::int64_t r0 = 0; r0 < n; r0 += kBlockRows) {
    const std::int64_t rows = std::min(kBlockRows, n - r0);
    proj.middleRows(r0, rows) =
        ((x.middleRows(r0, rows).cast<double>() * compsT).rowwise() - shift).cast<float>();
  }
  return r;
}

}  // namespace loom::embed
