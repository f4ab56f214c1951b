// Occlusion, KernelSHAP and LIME (perturbation_methods.h).
#include "engine/explain/perturbation_methods.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/core/rng.h"
#include "engine/explain/gradient_methods.h"

namespace loom {

namespace {

/// The target's score of `count` generated inputs, input i explained for class cls(i).
Expected<std::vector<double>> scoresOf(ModelProbe& probe, std::int64_t count,
                                       const ProbeInputFn& input,
                                       const std::function<std::int64_t(std::int64_t)>& cls,
                                       ScoreKind kind) {
  std::vector<double> out(static_cast<size_t>(count));
  Status st = probe.scores(count, input, cls, kind, [&](const ProbeChunk& c) {
    for (std::int64_t r = 0; r < c.count; ++r)
      out[static_cast<size_t>(c.first + r)] = c.scores[static_cast<size_t>(r)];
    return Status::ok();
  });
  if (!st) return st;
  return out;
}

Status checkSegments(const ModelProbe& probe, const Tensor& x,
                     const std::vector<Segmentation>& segments) {
  const Dims& d = probe.sampleDims();
  if (d.size() != 3) return invalidArgument("superpixel methods need image inputs [C, H, W]");
  if (static_cast<std::int64_t>(segments.size()) != x.dim(0))
    return invalidArgument(std::to_string(segments.size()) + " segmentations for " +
                           std::to_string(x.dim(0)) + " inputs");
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segmentation& s = segments[i];
    if (s.height != d[1] || s.width != d[2] ||
        static_cast<std::int64_t>(s.labels.size()) != d[1] * d[2] || s.count < 1)
      return invalidArgument("segmentation " + std::to_string(i) + " is " +
                             std::to_string(s.height) + "x" + std::to_string(s.width) +
                             " but the images are " + std::to_string(d[1]) + "x" +
                             std::to_string(d[2]));
    for (std::int32_t l : s.labels)
      if (l < 0 || l >= s.count)
        return invalidArgument("segmentation " + std::to_string(i) + " has label " +
                               std::to_string(l) + " outside 0.." + std::to_string(s.count - 1));
  }
  return Status::ok();
}

/// Writes the image with superpixels j where mask[j] == 0 replaced by the baseline.
void applyMask(const float* x, const float* base, const Segmentation& seg, const float* mask,
               std::int64_t channels, float* dst) {
  const std::int64_t plane = seg.height * seg.width;
  for (std::int64_t c = 0; c < channels; ++c)
    for (std::int64_t p = 0; p < plane; ++p) {
      const bool keep = mask[seg.labels[static_cast<size_t>(p)]] != 0.0f;
      dst[c * plane + p] = keep ? x[c * plane + p] : base[c * plane + p];
    }
}

Expected<Tensor> baselines(const ModelProbe& probe, const Tensor& x, const BaselineSpec& spec) {
  const std::int64_t s = probe.sampleSize();
  Tensor base(x.dims());
  for (std::int64_t i = 0; i < x.dim(0); ++i)
    LOOM_RETURN_IF_ERROR(
        makeBaseline(spec, probe.sampleDims(), x.f32() + i * s, i, base.f32() + i * s));
  return base;
}

/// Per-pixel map [N, 1, H, W] and label tensor from per-superpixel coefficients.
void paintCoefficients(Explanation& e, const std::vector<Segmentation>& segments, std::int64_t h,
                       std::int64_t w) {
  const auto n = static_cast<std::int64_t>(segments.size());
  e.map = Tensor(Dims{n, 1, h, w});
  e.segments = Tensor(Dims{n, 1, h, w});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t p = 0; p < h * w; ++p) {
      const std::int32_t l = segments[static_cast<size_t>(i)].labels[static_cast<size_t>(p)];
      e.map.f32()[i * h * w + p] =
          static_cast<float>(e.coefficients[static_cast<size_t>(i)][static_cast<size_t>(l)]);
      e.segments.f32()[i * h * w + p] = static_cast<float>(l);
    }
}

double binomial(std::int64_t n, std::int64_t k) {
  return std::exp(std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0));
}

/// Coalitions for KernelSHAP over m features: every one but the empty and full coalition
/// with its kernel weight when that is within `budget`, else `budget` sampled in
/// complementary pairs, sizes drawn in proportion to the kernel's total weight per size.
void kernelShapCoalitions(std::int64_t m, std::int64_t budget, std::uint64_t seed,
                          std::vector<float>& z, std::vector<double>& w) {
  z.clear();
  w.clear();
  if (m < 2) return;
  if (m <= 30 && budget >= (std::int64_t{1} << m) - 2) {
    for (std::int64_t bits = 1; bits + 1 < (std::int64_t{1} << m); ++bits) {
      std::int64_t size = 0;
      for (std::int64_t j = 0; j < m; ++j) {
        const bool on = (bits >> j) & 1;
        z.push_back(on ? 1.0f : 0.0f);
        size += on;
      }
      w.push_back(shapleyKernelWeight(m, size));
    }
    return;
  }
  std::vector<double> sizeMass(static_cast<size_t>(m), 0.0);  // index = size
  for (std::int64_t s = 1; s < m; ++s)
    sizeMass[static_cast<size_t>(s)] = shapleyKernelWeight(m, s) * binomial(m, s);
  const double total = std::accumulate(sizeMass.begin(), sizeMass.end(), 0.0);
  Philox rng(seed ^ 0x5A4Bull);
  std::vector<std::int64_t> order(static_cast<size_t>(m));
  for (std::int64_t k = 0; k < budget; k += 2) {
    double u = rng.uniform() * total;
    std::int64_t size = 1;
    while (size < m - 1 && u > sizeMass[static_cast<size_t>(size)])
      u -= sizeMass[static_cast<size_t>(size++)];
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t j = 0; j < size; ++j) {  // partial Fisher-Yates
      const auto r = j + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(m - j)));
      std::swap(order[static_cast<size_t>(j)], order[static_cast<size_t>(r)]);
    }
    std::vector<float> row(static_cast<size_t>(m), 0.0f);
    for (std::int64_t j = 0; j < size; ++j)
      row[static_cast<size_t>(order[static_cast<size_t>(j)])] = 1;
    z.insert(z.end(), row.begin(), row.end());
    w.push_back(1.0);
    if (k + 1 < budget) {  // the complement
      for (float& v : row) v = 1.0f - v;
      z.insert(z.end(), row.begin(), row.end());
      w.push_back(1.0);
    }
  }
}

}  // namespace

double shapleyKernelWeight(std::int64_t features, std::int64_t size) {
  if (size <= 0 || size >= features) return 0.0;
  return static_cast<double>(features - 1) / (binomial(features, size) * static_cast<double>(size) *
                                              static_cast<double>(features - size));
}

std::vector<double> constrainedWeightedLeastSquares(const std::vector<float>& z,
                                                    const std::vector<double>& y,
                                                    const std::vector<double>& w, std::int64_t m,
                                                    double total) {
  const auto rows = static_cast<Eigen::Index>(y.size());
  if (m == 1) return {total};
  Eigen::MatrixXd a(rows, m - 1);
  Eigen::VectorXd b(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double sw = std::sqrt(w[static_cast<size_t>(r)]);
    const float* zr = z.data() + r * m;
    for (std::int64_t j = 0; j + 1 < m; ++j) a(r, j) = sw * (zr[j] - zr[m - 1]);
    b(r) = sw * (y[static_cast<size_t>(r)] - zr[m - 1] * total);
  }
  const Eigen::VectorXd phi = a.colPivHouseholderQr().solve(b);
  std::vector<double> out(static_cast<size_t>(m));
  double sum = 0;
  for (std::int64_t j = 0; j + 1 < m; ++j) sum += out[static_cast<size_t>(j)] = phi(j);
  out[static_cast<size_t>(m - 1)] = total - sum;
  return out;
}

std::vector<double> weightedRidge(const std::vector<float>& z, const std::vector<double>& y,
                                  const std::vector<double>& w, std::int64_t m, double ridge,
                                  double* intercept, double* r2) {
  const auto rows = static_cast<Eigen::Index>(y.size());
  double wsum = 0, ymean = 0;
  Eigen::VectorXd zmean = Eigen::VectorXd::Zero(m);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double wr = w[static_cast<size_t>(r)];
    wsum += wr;
    ymean += wr * y[static_cast<size_t>(r)];
    for (std::int64_t j = 0; j < m; ++j) zmean(j) += wr * z[static_cast<size_t>(r * m + j)];
  }
  ymean /= wsum;
  zmean /= wsum;
  // Centred normal equations (Z^T W Z + ridge I) beta = Z^T W y.
  Eigen::MatrixXd ata = Eigen::MatrixXd::Zero(m, m);
  Eigen::VectorXd atb = Eigen::VectorXd::Zero(m);
  Eigen::VectorXd zc(m);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double wr = w[static_cast<size_t>(r)];
    for (std::int64_t j = 0; j < m; ++j) zc(j) = z[static_cast<size_t>(r * m + j)] - zmean(j);
    ata.noalias() += wr * zc * zc.transpose();
    atb.noalias() += wr * (y[static_cast<size_t>(r)] - ymean) * zc;
  }
  ata.diagonal().array() += ridge;
  const Eigen::VectorXd beta = ata.ldlt().solve(atb);
  const double b0 = ymean - zmean.dot(beta);
  double ssRes = 0, ssTot = 0;
  for (Eigen::Index r = 0; r < rows; ++r) {
    const double wr = w[static_cast<size_t>(r)];
    double pred = b0;
    for (std::int64_t j = 0; j < m; ++j) pred += beta(j) * z[static_cast<size_t>(r * m + j)];
    const double yr = y[static_cast<size_t>(r)];
    ssRes += wr * (yr - pred) * (yr - pred);
    ssTot += wr * (yr - ymean) * (yr - ymean);
  }
  if (intercept) *intercept = b0;
  if (r2) *r2 = ssTot > 0 ? 1.0 - ssRes / ssTot : 1.0;
  return std::vector<double>(beta.data(), beta.data() + m);
}

Expected<Explanation> occlusion(ModelProbe& probe, const Tensor& x,
                                const std::vector<std::int64_t>& targets, ScoreKind kind,
                                const OcclusionOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  const Dims& d = probe.sampleDims();
  if (d.size() != 3) return invalidArgument("occlusion needs image inputs [C, H, W]");
  const std::int64_t c = d[0], h = d[1], w = d[2], s = probe.sampleSize(), n = x.dim(0);
  if (o.window < 1 || o.stride < 1 || o.window > std::min(h, w))
    return invalidArgument("occlusion window = " + std::to_string(o.window) +
                           ", stride = " + std::to_string(o.stride) +
                           ": both must be at least 1 and the window at most " +
                           std::to_string(std::min(h, w)) + " (the image is " + std::to_string(h) +
                           "x" + std::to_string(w) + ")");
  auto base = baselines(probe, x, o.baseline);
  if (!base) return base.status();
  const std::int64_t wy = (h - o.window) / o.stride + 1, wx = (w - o.window) / o.stride + 1;
  const std::int64_t per = wy * wx + 1;  // windows, then the unoccluded image
  auto scores = scoresOf(
      probe, n * per,
      [&](std::int64_t j, float* dst) {
        const std::int64_t i = j / per, k = j % per;
        std::memcpy(dst, x.f32() + i * s, 4 * static_cast<size_t>(s));
        if (k == per - 1) return;
        const std::int64_t y0 = (k / wx) * o.stride, x0 = (k % wx) * o.stride;
        const float* b = base->f32() + i * s;
        for (std::int64_t ch = 0; ch < c; ++ch)
          for (std::int64_t yy = y0; yy < y0 + o.window; ++yy)
            for (std::int64_t xx = x0; xx < x0 + o.window; ++xx) {
              const std::int64_t at = (ch * h + yy) * w + xx;
              dst[at] = b[at];
            }
      },
      [&](std::int64_t j) { return targets[static_cast<size_t>(j / per)]; }, kind);
  if (!scores) return scores.status();
  Explanation e;
  e.method = "occlusion";
  e.targets = targets;
  e.map = Tensor(Dims{n, 1, h, w});
  e.map.zero();
  std::vector<double> sum(static_cast<size_t>(h * w)), count(static_cast<size_t>(h * w));
  for (std::int64_t i = 0; i < n; ++i) {
    const double fx = (*scores)[static_cast<size_t>(i * per + per - 1)];
    e.scores.push_back(fx);
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(count.begin(), count.end(), 0.0);
    for (std::int64_t k = 0; k + 1 < per; ++k) {
      const double drop = fx - (*scores)[static_cast<size_t>(i * per + k)];
      const std::int64_t y0 = (k / wx) * o.stride, x0 = (k % wx) * o.stride;
      for (std::int64_t yy = y0; yy < y0 + o.window; ++yy)
        for (std::int64_t xx = x0; xx < x0 + o.window; ++xx) {
          sum[static_cast<size_t>(yy * w + xx)] += drop;
          count[static_cast<size_t>(yy * w + xx)] += 1;
        }
    }
    for (std::int64_t p = 0; p < h * w; ++p)
      if (count[static_cast<size_t>(p)] > 0)
        e.map.f32()[i * h * w + p] =
            static_cast<float>(sum[static_cast<size_t>(p)] / count[static_cast<size_t>(p)]);
  }
  return e;
}

Expected<Explanation> kernelShap(ModelProbe& probe, const Tensor& x,
                                 const std::vector<std::int64_t>& targets, ScoreKind kind,
                                 const std::vector<Segmentation>& segments,
                                 const KernelShapOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  LOOM_RETURN_IF_ERROR(checkSegments(probe, x, segments));
  if (o.coalitions < 2)
    return invalidArgument("KernelSHAP coalitions = " + std::to_string(o.coalitions) +
                           " must be at least 2");
  auto base = baselines(probe, x, o.baseline);
  if (!base) return base.status();
  const std::int64_t s = probe.sampleSize(), c = probe.sampleDims()[0];
  Explanation e;
  e.method = "kernel_shap";
  e.targets = targets;
  for (std::int64_t i = 0; i < x.dim(0); ++i) {
    const Segmentation& seg = segments[static_cast<size_t>(i)];
    const std::int64_t m = seg.count;
    std::vector<float> z;
    std::vector<double> w;
    kernelShapCoalitions(m, o.coalitions, o.seed ^ static_cast<std::uint64_t>(i), z, w);
    const auto rows = static_cast<std::int64_t>(w.size());
    std::vector<float> ones(static_cast<size_t>(m), 1.0f), zeros(static_cast<size_t>(m), 0.0f);
    const float* xi = x.f32() + i * s;
    const float* bi = base->f32() + i * s;
    // Rows 0 .. rows-1 the coalitions, then f(1) and f(0).
    auto y = scoresOf(
        probe, rows + 2,
        [&](std::int64_t r, float* dst) {
          const float* mask =
              r < rows ? z.data() + r * m : (r == rows ? ones.data() : zeros.data());
          applyMask(xi, bi, seg, mask, c, dst);
        },
        [&](std::int64_t) { return targets[static_cast<size_t>(i)]; }, kind);
    if (!y) return y.status();
    const double full = (*y)[static_cast<size_t>(rows)],
                 empty = (*y)[static_cast<size_t>(rows + 1)];
    std::vector<double> centred(y->begin(), y->begin() + rows);
    for (double& v : centred) v -= empty;
    e.scores.push_back(full);
    e.metrics["baseline_score"].push_back(empty);
    e.coefficients.push_back(m < 2
                                 ? std::vector<double>(static_cast<size_t>(m), full - empty)
                                 : constrainedWeightedLeastSquares(z, centred, w, m, full - empty));
  }
  paintCoefficients(e, segments, probe.sampleDims()[1], probe.sampleDims()[2]);
  return e;
}

Expected<Explanation> lime(ModelProbe& probe, const Tensor& x,
                           const std::vector<std::int64_t>& targets, ScoreKind kind,
                           const std::vector<Segmentation>& segments, const LimeOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  LOOM_RETURN_IF_ERROR(checkSegments(probe, x, segments));
  if (o.samples < 2 || o.kernelWidth <= 0 || o.ridge < 0)
    return invalidArgument("LIME samples = " + std::to_string(o.samples) + ", kernel width = " +
                           std::to_string(o.kernelWidth) + ", ridge = " + std::to_string(o.ridge) +
                           ": needs samples >= 2, width > 0, ridge >= 0");
  auto base = baselines(probe, x, o.baseline);
  if (!base) return base.status();
  const std::int64_t s = probe.sampleSize(), c = probe.sampleDims()[0];
  Explanation e;
  e.method = "lime";
  e.targets = targets;
  for (std::int64_t i = 0; i < x.dim(0); ++i) {
    const Segmentation& seg = segments[static_cast<size_t>(i)];
    const std::int64_t m = seg.count, rows = o.samples;
    std::vector<float> z(static_cast<size_t>(rows * m));
    std::vector<double> w(static_cast<size_t>(rows));
    Philox rng(o.seed ^ (0x11AEull * static_cast<std::uint64_t>(i + 1)));
    for (std::int64_t r = 0; r < rows; ++r) {
      std::int64_t on = 0;
      for (std::int64_t j = 0; j < m; ++j) {
        const float v = r == 0 ? 1.0f : static_cast<float>(rng.nextU32() & 1u);
        z[static_cast<size_t>(r * m + j)] = v;
        on += v != 0.0f;
      }
      // cosine distance to the all-ones vector: 1 - |z| / sqrt(|z| M)
      const double d =
          on == 0 ? 1.0 : 1.0 - std::sqrt(static_cast<double>(on) / static_cast<double>(m));
      w[static_cast<size_t>(r)] = std::exp(-d * d / (o.kernelWidth * o.kernelWidth));
    }
    const float* xi = x.f32() + i * s;
    const float* bi = base->f32() + i * s;
    auto y = scoresOf(
        probe, rows,
        [&](std::int64_t r, float* dst) { applyMask(xi, bi, seg, z.data() + r * m, c, dst); },
        [&](std::int64_t) { return targets[static_cast<size_t>(i)]; }, kind);
    if (!y) return y.status();
    double intercept = 0, r2 = 0;
    e.coefficients.push_back(weightedRidge(z, *y, w, m, o.ridge, &intercept, &r2));
    e.scores.push_back((*y)[0]);
    e.metrics["r2"].push_back(r2);
  }
  paintCoefficients(e, segments, probe.sampleDims()[1], probe.sampleDims()[2]);
  return e;
}

}  // namespace loom
