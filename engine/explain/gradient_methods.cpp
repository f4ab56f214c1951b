// Gradient methods (gradient_methods.h).
#include "engine/explain/gradient_methods.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/rng.h"

namespace loom {

namespace {

Dims batchDims(std::int64_t n, const Dims& sample) {
  Dims d{n};
  d.insert(d.end(), sample.begin(), sample.end());
  return d;
}

/// An Explanation with a zeroed map of the inputs' dims and the targets filled in.
Explanation start(const char* method, const Tensor& x, const std::vector<std::int64_t>& targets) {
  Explanation e;
  e.method = method;
  e.map = Tensor(x.dims());
  e.map.zero();
  e.targets = targets;
  e.scores.assign(targets.size(), 0.0);
  return e;
}

/// Streams `count` generated inputs, each explained for the class of input `owner(i)`, and
/// hands each one's score and input gradient to `take`.
Status streamGradients(ModelProbe& probe, std::int64_t count, const ProbeInputFn& input,
                       const std::function<std::int64_t(std::int64_t)>& owner,
                       const std::vector<std::int64_t>& targets, ScoreKind kind,
                       const std::function<void(std::int64_t, double, const float*)>& take) {
  const std::int64_t s = probe.sampleSize();
  return probe.gradients(
      count, input, [&](std::int64_t i) { return targets[static_cast<size_t>(owner(i))]; }, kind,
      [&](const ProbeChunk& c) {
        for (std::int64_t r = 0; r < c.count; ++r)
          take(c.first + r, c.scores[static_cast<size_t>(r)], c.inputGrad->f32() + r * s);
        return Status::ok();
      });
}

/// The target's score of `count` generated inputs.
Expected<std::vector<double>> streamScores(ModelProbe& probe, std::int64_t count,
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

}  // namespace

Status checkExplainInputs(const ModelProbe& probe, const Tensor& x,
                          const std::vector<std::int64_t>& targets) {
  const Dims want = batchDims(x.rank() > 0 ? x.dim(0) : 0, probe.sampleDims());
  if (x.dims() != want || x.dtype() != DType::F32)
    return shapeMismatch("inputs have shape " + dimsToString(x.dims()) +
                         " but the model's input \"" + probe.inputName() + "\" takes " +
                         dimsToString(probe.sampleDims()) +
                         " per sample (channels, height, width)");
  if (static_cast<std::int64_t>(targets.size()) != x.dim(0))
    return invalidArgument(std::to_string(targets.size()) + " targets for " +
                           std::to_string(x.dim(0)) + " inputs");
  for (std::int64_t t : targets) LOOM_RETURN_IF_ERROR(probe.checkClass(t));
  return Status::ok();
}

Expected<Explanation> vanillaGradient(ModelProbe& probe, const Tensor& x,
                                      const std::vector<std::int64_t>& targets, ScoreKind kind) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  const std::int64_t s = probe.sampleSize();
  Explanation e = start("gradient", x, targets);
  Status st = streamGradients(
      probe, x.dim(0), [&](std::int64_t i, float* d) { std::memcpy(d, x.f32() + i * s, 4 * s); },
      [](std::int64_t i) { return i; }, targets, kind,
      [&](std::int64_t i, double score, const float* g) {
        e.scores[static_cast<size_t>(i)] = score;
        std::memcpy(e.map.f32() + i * s, g, 4 * s);
      });
  if (!st) return st;
  return e;
}

Expected<Explanation> gradientTimesInput(ModelProbe& probe, const Tensor& x,
                                         const std::vector<std::int64_t>& targets, ScoreKind kind) {
  auto e = vanillaGradient(probe, x, targets, kind);
  if (!e) return e;
  e->method = "gradient_x_input";
  for (std::int64_t i = 0; i < x.numel(); ++i) e->map.f32()[i] *= x.f32()[i];
  return e;
}

Expected<Explanation> smoothGrad(ModelProbe& probe, const Tensor& x,
                                 const std::vector<std::int64_t>& targets, ScoreKind kind,
                                 const SmoothGradOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  if (o.samples < 1)
    return invalidArgument("SmoothGrad samples = " + std::to_string(o.samples) +
                           " must be at least 1");
  const std::int64_t s = probe.sampleSize(), m = o.samples;
  Explanation e = start(o.squared ? "smoothgrad_squared" : "smoothgrad", x, targets);
  std::vector<float> sigma(static_cast<size_t>(x.dim(0)));
  for (std::int64_t i = 0; i < x.dim(0); ++i) {
    const float* xi = x.f32() + i * s;
    const auto [lo, hi] = std::minmax_element(xi, xi + s);
    sigma[static_cast<size_t>(i)] = static_cast<float>(o.noiseLevel * (*hi - *lo));
  }
  auto noisy = [&](std::int64_t j, float* d) {
    const std::int64_t i = j / m;
    Philox rng(o.seed ^ (0x5300D6ull * static_cast<std::uint64_t>(j + 1)));
    const float* xi = x.f32() + i * s;
    for (std::int64_t k = 0; k < s; ++k)
      d[k] = xi[k] + sigma[static_cast<size_t>(i)] * rng.normal();
  };
  Status st = streamGradients(
      probe, x.dim(0) * m, noisy, [m](std::int64_t j) { return j / m; }, targets, kind,
      [&](std::int64_t j, double, const float* g) {
        float* acc = e.map.f32() + (j / m) * s;
        const float w = 1.0f / static_cast<float>(m);
        for (std::int64_t k = 0; k < s; ++k) acc[k] += w * (o.squared ? g[k] * g[k] : g[k]);
      });
  if (!st) return st;
  auto scores = streamScores(
      probe, x.dim(0), [&](std::int64_t i, float* d) { std::memcpy(d, x.f32() + i * s, 4 * s); },
      [&](std::int64_t i) { return targets[static_cast<size_t>(i)]; }, kind);
  if (!scores) return scores.status();
  e.scores = *scores;
  return e;
}

const char* quadratureName(Quadrature q) {
  return q == Quadrature::Riemann ? "riemann" : "gauss_legendre";
}

Expected<Quadrature> parseQuadrature(const std::string& text) {
  if (text == "riemann") return Quadrature::Riemann;
  if (text == "gauss_legendre") return Quadrature::GaussLegendre;
  return invalidArgument("quadrature \"" + text + "\" is not one of: riemann, gauss_legendre");
}

void quadraturePoints(Quadrature q, std::int64_t m, std::vector<double>& points,
                      std::vector<double>& weights) {
  points.assign(static_cast<size_t>(m), 0.0);
  weights.assign(static_cast<size_t>(m), 0.0);
  if (q == Quadrature::Riemann) {
    for (std::int64_t k = 0; k < m; ++k) {
      points[static_cast<size_t>(k)] = (static_cast<double>(k) + 0.5) / static_cast<double>(m);
      weights[static_cast<size_t>(k)] = 1.0 / static_cast<double>(m);
    }
    return;
  }
  // Roots of the Legendre polynomial P_m by Newton's method from Chebyshev guesses, mapped
  // from [-1, 1] to [0, 1].
  const double pi = std::acos(-1.0);
  for (std::int64_t i = 0; i < m; ++i) {
    double t = std::cos(pi * (static_cast<double>(i) + 0.75) / (static_cast<double>(m) + 0.5));
    double dp = 1;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1, p1 = t;
      for (std::int64_t k = 2; k <= m; ++k) {
        const double p2 = ((2.0 * k - 1) * t * p1 - (k - 1.0) * p0) / static_cast<double>(k);
        p0 = p1;
        p1 = p2;
      }
      if (m == 1) p0 = 1, p1 = t;
      dp = static_cast<double>(m) * (t * p1 - p0) / (t * t - 1);
      const double dt = p1 / dp;
      t -= dt;
      if (std::fabs(dt) < 1e-15) break;
    }
    double p0 = 1, p1 = t;
    for (std::int64_t k = 2; k <= m; ++k) {
      const double p2 = ((2.0 * k - 1) * t * p1 - (k - 1.0) * p0) / static_cast<double>(k);
      p0 = p1;
      p1 = p2;
    }
    dp = static_cast<double>(m) * (t * p1 - p0) / (t * t - 1);
    points[static_cast<size_t>(m - 1 - i)] = 0.5 * (t + 1);
    weights[static_cast<size_t>(m - 1 - i)] = 1.0 / ((1 - t * t) * dp * dp);  // 2/(..) * 1/2
  }
}

Expected<Explanation> integratedGradients(ModelProbe& probe, const Tensor& x,
                                          const std::vector<std::int64_t>& targets, ScoreKind kind,
                                          const IntegratedGradientsOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  if (o.steps < 1)
    return invalidArgument("Integrated Gradients steps = " + std::to_string(o.steps) +
                           " must be at least 1");
  const std::int64_t n = x.dim(0), s = probe.sampleSize(), m = o.steps;
  Tensor base(x.dims());
  for (std::int64_t i = 0; i < n; ++i) {
    LOOM_RETURN_IF_ERROR(
        makeBaseline(o.baseline, probe.sampleDims(), x.f32() + i * s, i, base.f32() + i * s));
    if (std::memcmp(base.f32() + i * s, x.f32() + i * s, 4 * static_cast<size_t>(s)) == 0)
      return invalidArgument("sample " + std::to_string(i) + ": the baseline \"" +
                             baselineName(o.baseline.kind) +
                             "\" equals the input, so every Integrated Gradients attribution "
                             "would be 0; choose another baseline");
  }
  std::vector<double> alpha, weight;
  quadraturePoints(o.quadrature, m, alpha, weight);
  Explanation e = start("integrated_gradients", x, targets);
  std::vector<double> acc(static_cast<size_t>(n * s), 0.0);
  auto path = [&](std::int64_t j, float* d) {
    const std::int64_t i = j / m;
    const float a = static_cast<float>(alpha[static_cast<size_t>(j % m)]);
    const float* xi = x.f32() + i * s;
    const float* bi = base.f32() + i * s;
    for (std::int64_t k = 0; k < s; ++k) d[k] = bi[k] + a * (xi[k] - bi[k]);
  };
  Status st = streamGradients(
      probe, n * m, path, [m](std::int64_t j) { return j / m; }, targets, kind,
      [&](std::int64_t j, double, const float* g) {
        double* a = acc.data() + (j / m) * s;
        const double w = weight[static_cast<size_t>(j % m)];
        for (std::int64_t k = 0; k < s; ++k) a[k] += w * g[k];
      });
  if (!st) return st;
  auto ends = streamScores(
      probe, 2 * n,
      [&](std::int64_t j, float* d) {
        const Tensor& src = j < n ? x : base;
        std::memcpy(d, src.f32() + (j % n) * s, 4 * s);
      },
      [&](std::int64_t j) { return targets[static_cast<size_t>(j % n)]; }, kind);
  if (!ends) return ends.status();
  auto& gap = e.metrics["completeness_gap"];
  auto& baseScore = e.metrics["baseline_score"];
  for (std::int64_t i = 0; i < n; ++i) {
    double sum = 0;
    for (std::int64_t k = 0; k < s; ++k) {
      const std::int64_t at = i * s + k;
      const double v = (x.f32()[at] - base.f32()[at]) * acc[static_cast<size_t>(at)];
      e.map.f32()[at] = static_cast<float>(v);
      sum += v;
    }
    const double fx = (*ends)[static_cast<size_t>(i)], fb = (*ends)[static_cast<size_t>(n + i)];
    e.scores[static_cast<size_t>(i)] = fx;
    baseScore.push_back(fb);
    gap.push_back(std::fabs(sum - (fx - fb)));
  }
  return e;
}

Expected<Explanation> gradientShap(ModelProbe& probe, const Tensor& x,
                                   const std::vector<std::int64_t>& targets, ScoreKind kind,
                                   const GradientShapOptions& o) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  if (o.samples < 1)
    return invalidArgument("GradientSHAP samples = " + std::to_string(o.samples) +
                           " must be at least 1");
  const std::int64_t n = x.dim(0), s = probe.sampleSize(), m = o.samples;
  Tensor background = o.background;
  if (background.empty()) {
    background = Tensor(batchDims(2, probe.sampleDims()));
    BaselineSpec black = o.fallback, noise = o.fallback;
    black.kind = BaselineKind::Black;
    noise.kind = BaselineKind::UniformNoise;
    LOOM_RETURN_IF_ERROR(makeBaseline(black, probe.sampleDims(), x.f32(), 0, background.f32()));
    LOOM_RETURN_IF_ERROR(makeBaseline(noise, probe.sampleDims(), x.f32(), 1, background.f32() + s));
  } else if (background.rank() < 1 ||
             background.dims() != batchDims(background.dim(0), probe.sampleDims())) {
    return shapeMismatch("GradientSHAP background has shape " + dimsToString(background.dims()) +
                         "; it needs [B, " + dimsToString(probe.sampleDims()).substr(1));
  }
  const std::int64_t nb = background.dim(0);
  // Each draw j picks a background row and an alpha from a stream keyed by (seed, j).
  auto draw = [&](std::int64_t j, std::int64_t& row, float& a) {
    Philox rng(o.seed ^ (0x65A9ull * static_cast<std::uint64_t>(j + 1)));
    row = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(nb)));
    a = rng.uniform();
  };
  Explanation e = start("gradient_shap", x, targets);
  auto point = [&](std::int64_t j, float* d) {
    std::int64_t row;
    float a;
    draw(j, row, a);
    Philox noise(o.seed ^ (0x70157ull * static_cast<std::uint64_t>(j + 1)));
    const float* xi = x.f32() + (j / m) * s;
    const float* b = background.f32() + row * s;
    for (std::int64_t k = 0; k < s; ++k)
      d[k] = b[k] + a * (xi[k] - b[k]) +
             (o.noiseStd > 0 ? static_cast<float>(o.noiseStd) * noise.normal() : 0.0f);
  };
  Status st = streamGradients(
      probe, n * m, point, [m](std::int64_t j) { return j / m; }, targets, kind,
      [&](std::int64_t j, double, const float* g) {
        std::int64_t row;
        float a;
        draw(j, row, a);
        const std::int64_t i = j / m;
        const float* xi = x.f32() + i * s;
        const float* b = background.f32() + row * s;
        float* out = e.map.f32() + i * s;
        const float w = 1.0f / static_cast<float>(m);
        for (std::int64_t k = 0; k < s; ++k) out[k] += w * (xi[k] - b[k]) * g[k];
      });
  if (!st) return st;
  auto scores = streamScores(
      probe, n, [&](std::int64_t i, float* d) { std::memcpy(d, x.f32() + i * s, 4 * s); },
      [&](std::int64_t i) { return targets[static_cast<size_t>(i)]; }, kind);
  if (!scores) return scores.status();
  e.scores = *scores;
  return e;
}

Expected<std::string> lastConvNode(const ModelProbe& probe) {
  std::string last;
  for (const auto& [name, op] : probe.nodeOps())
    if (op == "Conv2D") last = name;
  if (last.empty())
    return invalidArgument("Grad-CAM needs a convolutional (Conv2D) node; the model has none");
  return last;
}

Status checkConvNode(const ModelProbe& probe, const std::string& node) {
  for (const auto& [name, op] : probe.nodeOps())
    if (name == node) {
      if (op == "Conv2D") return Status::ok();
      std::string convs;
      for (const auto& [n2, op2] : probe.nodeOps())
        if (op2 == "Conv2D") convs += (convs.empty() ? "" : ", ") + n2;
      return invalidArgument("Grad-CAM node \"" + node + "\" is a " + op +
                             ", not a convolution (Conv2D); the model's convolutions: " +
                             (convs.empty() ? std::string("none") : convs));
    }
  return invalidArgument("Grad-CAM node \"" + node + "\": the model has no such node");
}

Tensor upsampleBilinear(const Tensor& maps, std::int64_t height, std::int64_t width) {
  const std::int64_t n = maps.dim(0), h = maps.dim(2), w = maps.dim(3);
  Tensor out(Dims{n, 1, height, width});
  const double sy = static_cast<double>(h) / static_cast<double>(height);
  const double sx = static_cast<double>(w) / static_cast<double>(width);
  for (std::int64_t i = 0; i < n; ++i) {
    const float* src = maps.f32() + i * h * w;
    float* dst = out.f32() + i * height * width;
    for (std::int64_t y = 0; y < height; ++y) {
      const double fy = std::max(0.0, (static_cast<double>(y) + 0.5) * sy - 0.5);
      const std::int64_t y0 = std::min<std::int64_t>(static_cast<std::int64_t>(fy), h - 1);
      const std::int64_t y1 = std::min<std::int64_t>(y0 + 1, h - 1);
      const double ly = fy - static_cast<double>(y0);
      for (std::int64_t xx = 0; xx < width; ++xx) {
        const double fx = std::max(0.0, (static_cast<double>(xx) + 0.5) * sx - 0.5);
        const std::int64_t x0 = std::min<std::int64_t>(static_cast<std::int64_t>(fx), w - 1);
        const std::int64_t x1 = std::min<std::int64_t>(x0 + 1, w - 1);
        const double lx = fx - static_cast<double>(x0);
        const double top = (1 - lx) * src[y0 * w + x0] + lx * src[y0 * w + x1];
        const double bottom = (1 - lx) * src[y1 * w + x0] + lx * src[y1 * w + x1];
        dst[y * width + xx] = static_cast<float>((1 - ly) * top + ly * bottom);
      }
    }
  }
  return out;
}

Expected<Explanation> gradCam(ModelProbe& probe, const Tensor& x,
                              const std::vector<std::int64_t>& targets, ScoreKind kind,
                              const std::string& node, Tensor* raw) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(probe, x, targets));
  LOOM_RETURN_IF_ERROR(checkConvNode(probe, node));
  const std::int64_t n = x.dim(0), s = probe.sampleSize();
  const Dims& sd = probe.sampleDims();
  if (sd.size() != 3) return invalidArgument("Grad-CAM needs image inputs [C, H, W]");
  Explanation e;
  e.method = "gradcam";
  e.targets = targets;
  e.scores.assign(static_cast<size_t>(n), 0.0);
  Tensor cams;
  Status st = probe.gradients(
      n, [&](std::int64_t i, float* d) { std::memcpy(d, x.f32() + i * s, 4 * s); },
      [&](std::int64_t i) { return targets[static_cast<size_t>(i)]; }, kind,
      [&](const ProbeChunk& c) {
        auto a = c.acts.find(node);
        auto g = c.grads.find(node);
        if (a == c.acts.end() || g == c.grads.end())
          return internalError("Grad-CAM: node \"" + node +
                               "\" is not among the probe's keepNodes");
        const Tensor& act = a->second;
        const Tensor& grad = g->second;
        const std::int64_t k = act.dim(1), h = act.dim(2), w = act.dim(3), hw = h * w;
        if (cams.empty()) cams = Tensor(Dims{n, 1, h, w});
        for (std::int64_t r = 0; r < c.count; ++r) {
          e.scores[static_cast<size_t>(c.first + r)] = c.scores[static_cast<size_t>(r)];
          float* cam = cams.f32() + (c.first + r) * hw;
          std::vector<double> sum(static_cast<size_t>(hw), 0.0);
          for (std::int64_t ch = 0; ch < k; ++ch) {
            const float* gp = grad.f32() + (r * k + ch) * hw;
            const float* ap = act.f32() + (r * k + ch) * hw;
            double alpha = 0;
            for (std::int64_t p = 0; p < hw; ++p) alpha += gp[p];
            alpha /= static_cast<double>(hw);
            for (std::int64_t p = 0; p < hw; ++p) sum[static_cast<size_t>(p)] += alpha * ap[p];
          }
          for (std::int64_t p = 0; p < hw; ++p)
            cam[p] = static_cast<float>(std::max(0.0, sum[static_cast<size_t>(p)]));
        }
        return Status::ok();
      });
  if (!st) return st;
  if (raw) *raw = cams;
  e.map = upsampleBilinear(cams, sd[1], sd[2]);
  return e;
}

}  // namespace loom
