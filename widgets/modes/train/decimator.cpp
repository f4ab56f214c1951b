#include "widgets/modes/train/decimator.h"

#include <algorithm>

namespace loom::studio {

namespace {
/// The curve's x for the chosen axis, keeping only points whose x is finite and not below the
/// previous kept x (a restarted writer repeats steps; TensorBoard shows the later points too,
/// but a line over non-monotonic x would scribble backwards).
void buildXY(const DecimationRequest::Curve& c, XAxisKind kind, QVector<double>& x,
             QVector<double>& y) {
  const int n =
      std::min(c.values.size(), kind == XAxisKind::Step ? c.steps.size() : c.walls.size());
  x.reserve(n);
  y.reserve(n);
  const double origin = kind == XAxisKind::Relative ? c.wallOrigin : 0;
  double last = -INFINITY;
  for (int i = 0; i < n; ++i) {
    const double xi = (kind == XAxisKind::Step ? c.steps[i] : c.walls[i]) - origin;
    if (!std::isfinite(xi) || xi < last) continue;
    last = xi;
    x.append(xi);
    y.append(c.values[i]);
  }
}

void extendY(const XY& xy, double& lo, double& hi) {
  for (double v : xy.y) {
    if (!std::isfinite(v)) continue;
    if (!(v >= lo)) lo = v;
    if (!(v <= hi)) hi = v;
  }
}
}  // namespace

void fitRanges(double lo, double hi, double yMin, double yMax, bool logY,
               DecimationResult& result) {
  result.found =
      std::isfinite(lo) && std::isfinite(hi) && std::isfinite(yMin) && std::isfinite(yMax);
  if (!result.found) return;
  const double pad = hi > lo ? 0 : 0.5;
  result.xLo = lo - pad;
  result.xHi = hi + pad;
  if (logY) {
    result.yLo = std::max(yMin, 1e-12) * 0.9;
    result.yHi = yMax * 1.1;
  } else {
    const double margin = (yMax - yMin) * 0.05 + (yMax == yMin ? 0.5 : 0);
    result.yLo = yMin - margin;
    result.yHi = yMax + margin;
  }
}

void Decimator::process(const DecimationRequest& request) {
  DecimationResult result;
  result.chart = request.chart;
  result.generation = request.generation;
  QVector<QVector<double>> xs(request.curves.size()), ys(request.curves.size());
  double lo = INFINITY, hi = -INFINITY;
  for (int i = 0; i < request.curves.size(); ++i) {
    buildXY(request.curves[i], request.x, xs[i], ys[i]);
    if (!xs[i].isEmpty()) {
      lo = std::min(lo, xs[i].front());
      hi = std::max(hi, xs[i].back());
    }
  }
  if (!request.fit) {
    lo = request.lo;
    hi = request.hi;
  }
  result.lo = lo;
  result.hi = hi;
  result.curves.reserve(request.curves.size());
  double yLo = NAN, yHi = NAN;  // raw and smoothed: what the chart's y axis fits
  for (int i = 0; i < request.curves.size(); ++i) {
    DecimationResult::Curve out;
    out.run = request.curves[i].run;
    const QVector<double> smooth = request.smoothing == SmoothingKind::Ema
                                       ? smoothEma(ys[i], request.emaWeight)
                                       : smoothCentred(ys[i], request.window);
    if (std::isfinite(lo) && std::isfinite(hi)) {
      out.raw = decimateMinMax(xs[i], ys[i], lo, hi, request.columns);
      out.smoothed = decimateMinMax(xs[i], smooth, lo, hi, request.columns);
    }
    extendY(out.raw, result.yMin, result.yMax);
    extendY(out.raw, yLo, yHi);
    extendY(out.smoothed, yLo, yHi);
    result.curves.append(std::move(out));
  }
  if (request.fit) {
    fitRanges(lo, hi, yLo, yHi, request.logY, result);
  } else {
    result.xLo = request.lo;
    result.xHi = request.hi;
    result.yLo = request.yLo;
    result.yHi = request.yHi;
    result.found = true;
  }
  if (request.rasterize && result.found) {
    result.frame.size = request.plotSize;
    result.frame.devicePixelRatio = request.devicePixelRatio;
    result.frame.xLo = result.xLo;
    result.frame.xHi = result.xHi;
    result.frame.yLo = result.yLo;
    result.frame.yHi = result.yHi;
    result.frame.logY = request.logY;
    QVector<RasterCurve> curves;
    curves.reserve(result.curves.size());
    for (int i = 0; i < result.curves.size(); ++i)
      curves.append({&result.curves[i].raw, &result.curves[i].smoothed, request.curves[i].colour});
    result.image = rasterizeCurves(result.frame, curves, request.showRaw);
  }
  emit decimated(result);
}

}  // namespace loom::studio
