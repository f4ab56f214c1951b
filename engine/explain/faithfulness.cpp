// Deletion/insertion curves, AUC, Spearman (faithfulness.h).
#include "engine/explain/faithfulness.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "engine/core/rng.h"
#include "engine/graph/analysis.h"
#include "engine/ops/op.h"

namespace loom {

std::vector<double> pixelSaliency(const Tensor& map, std::int64_t i, bool absolute) {
  const std::int64_t c = map.dim(1), hw = map.dim(2) * map.dim(3);
  std::vector<double> s(static_cast<size_t>(hw), 0.0);
  const float* m = map.f32() + i * c * hw;
  for (std::int64_t ch = 0; ch < c; ++ch)
    for (std::int64_t p = 0; p < hw; ++p)
      s[static_cast<size_t>(p)] += absolute ? std::fabs(m[ch * hw + p]) : m[ch * hw + p];
  return s;
}

double areaUnderCurve(const std::vector<double>& v) {
  if (v.size() < 2) return v.empty() ? 0.0 : v[0];
  double area = 0;
  for (size_t k = 1; k < v.size(); ++k) area += 0.5 * (v[k - 1] + v[k]);
  return area / static_cast<double>(v.size() - 1);
}

namespace {
std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double mean = 0.5 * static_cast<double>(i + j);
    for (size_t k = i; k <= j; ++k) r[idx[k]] = mean;
    i = j + 1;
  }
  return r;
}
}  // namespace

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) * (ra[i] - ma);
    sbb += (rb[i] - mb) * (rb[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

Tensor randomMap(const Dims& like, std::uint64_t seed) {
  Tensor t(like);
  Philox rng(seed ^ 0x4A4D0Dull);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = rng.uniform();
  return t;
}

Expected<Curves> deletionInsertion(ModelProbe& probe, const Tensor& x, const Explanation& e,
                                   const CurveOptions& o) {
  const Dims& d = probe.sampleDims();
  if (d.size() != 3) return invalidArgument("deletion curves need image inputs [C, H, W]");
  if (o.steps < 1)
    return invalidArgument("deletion curve steps = " + std::to_string(o.steps) +
                           " must be at least 1");
  const std::int64_t n = x.dim(0), c = d[0], hw = d[1] * d[2], s = probe.sampleSize();
  if (e.map.rank() != 4 || e.map.dim(0) != n || e.map.dim(2) * e.map.dim(3) != hw)
    return shapeMismatch("attribution map " + dimsToString(e.map.dims()) +
                         " does not cover the inputs " + dimsToString(x.dims()));
  Tensor base(x.dims());
  for (std::int64_t i = 0; i < n; ++i)
    LOOM_RETURN_IF_ERROR(makeBaseline(o.baseline, d, x.f32() + i * s, i, base.f32() + i * s));
  // order[i]: pixels of input i, most salient first (ties by index, so runs are reproducible).
  std::vector<std::vector<std::int64_t>> order(static_cast<size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const std::vector<double> sal = pixelSaliency(e.map, i, false);
    auto& ord = order[static_cast<size_t>(i)];
    ord.resize(static_cast<size_t>(hw));
    std::iota(ord.begin(), ord.end(), 0);
    std::stable_sort(ord.begin(), ord.end(), [&](std::int64_t a, std::int64_t b) {
      return sal[static_cast<size_t>(a)] > sal[static_cast<size_t>(b)];
    });
  }
  const std::int64_t points = o.steps + 1, per = 2 * points;  // deletion, then insertion
  std::vector<double> y(static_cast<size_t>(n * per));
  Status st = probe.scores(
      n * per,
      [&](std::int64_t j, float* dst) {
        const std::int64_t i = j / per, k = j % per;
        const bool insertion = k >= points;
        const std::int64_t step = insertion ? k - points : k;
        const std::int64_t changed = step * hw / o.steps;
        const float* from = (insertion ? base : x).f32() + i * s;
        const float* to = (insertion ? x : base).f32() + i * s;
        std::memcpy(dst, from, 4 * static_cast<size_t>(s));
        const auto& ord = order[static_cast<size_t>(i)];
        for (std::int64_t r = 0; r < changed; ++r) {
          const std::int64_t p = ord[static_cast<size_t>(r)];
          for (std::int64_t ch = 0; ch < c; ++ch) dst[ch * hw + p] = to[ch * hw + p];
        }
      },
      [&](std::int64_t j) { return e.targets[static_cast<size_t>(j / per)]; }, o.kind,
      [&](const ProbeChunk& ch) {
        for (std::int64_t r = 0; r < ch.count; ++r)
          y[static_cast<size_t>(ch.first + r)] = ch.scores[static_cast<size_t>(r)];
        return Status::ok();
      });
  if (!st) return st;
  Curves out;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto at = y.begin() + i * per;
    out.deletion.emplace_back(at, at + points);
    out.insertion.emplace_back(at + points, at + per);
    out.deletionAuc.push_back(areaUnderCurve(out.deletion.back()));
    out.insertionAuc.push_back(areaUnderCurve(out.insertion.back()));
  }
  return out;
}

Expected<std::vector<RandomisationRow>> cascadingRandomisation(
    const Graph& graph, ParameterSet& params, ModelProbe& probe,
    const std::vector<RandomisationMethod>& methods, std::uint64_t seed) {
  const GraphAnalysis a = analyzeGraph(graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(a.status);
  auto fresh = ParameterSet::create(graph, a, {}, seed);
  if (!fresh) return fresh.status();
  const std::map<std::string, Tensor> trained = params.values();
  struct Restore {
    ParameterSet& p;
    ModelProbe& probe;
    const std::map<std::string, Tensor>& v;
    ~Restore() {
      for (Parameter& q : p.all()) q.value.copyFrom(v.at(q.name));
      probe.parametersChanged();
    }
  } restore{params, probe, trained};

  // Layers with trainable parameters, output first.
  std::vector<std::string> layers;
  for (auto it = a.order.rbegin(); it != a.order.rend(); ++it) {
    const Node& node = graph.nodes()[static_cast<size_t>(*it)];
    for (const Parameter& q : params.all())
      if (q.trainable && q.name.rfind(node.name + ".", 0) == 0) {
        layers.push_back(node.name);
        break;
      }
  }
  auto absMaps = [&](std::map<std::string, std::vector<std::vector<double>>>& out) -> Status {
    for (const auto& m : methods) {
      auto e = m.run(probe);
      if (!e) return e.status();
      auto& maps = out[m.name];
      maps.clear();
      for (std::int64_t i = 0; i < e->map.dim(0); ++i)
        maps.push_back(pixelSaliency(e->map, i, true));
    }
    return Status::ok();
  };
  std::map<std::string, std::vector<std::vector<double>>> reference, current;
  LOOM_RETURN_IF_ERROR(absMaps(reference));
  std::vector<RandomisationRow> rows;
  RandomisationRow first{"(trained)", {}};
  for (const auto& m : methods) first.spearman[m.name] = 1.0;
  rows.push_back(first);
  for (const std::string& layer : layers) {
    for (Parameter& q : params.all())
      if (q.name.rfind(layer + ".", 0) == 0) q.value.copyFrom(fresh->find(q.name)->value);
    probe.parametersChanged();
    LOOM_RETURN_IF_ERROR(absMaps(current));
    RandomisationRow row{layer, {}};
    for (const auto& m : methods) {
      const auto& ref = reference[m.name];
      const auto& cur = current[m.name];
      double sum = 0;
      for (size_t i = 0; i < ref.size(); ++i) sum += spearman(ref[i], cur[i]);
      row.spearman[m.name] = ref.empty() ? 0.0 : sum / static_cast<double>(ref.size());
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace loom
