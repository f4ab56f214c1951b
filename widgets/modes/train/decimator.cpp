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
    result.curves.append(std::move(out));
  }
  emit decimated(result);
}

}  // namespace loom::studio
