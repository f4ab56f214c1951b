#include "widgets/modes/train/curve_raster.h"

#include <QPainter>
#include <QPolygonF>
#include <cmath>

namespace loom::studio {

CurveStyle curveStyle(const QColor& colour, bool many) {
  CurveStyle s;
  QColor faint = colour;
  faint.setAlpha(kRawAlpha);
  s.raw = QPen(faint, 1);
  // Many runs: 1 px lines without antialiasing (QPainter's fast path). Antialiased 2 px pens
  // cost ~20x more per segment (a 100-run chart replotted in ~360 ms with them).
  s.smoothed = QPen(colour, many ? 1 : 2);
  s.antialiased = !many;
  return s;
}

bool PlotFrame::valid() const {
  const bool yOk = logY ? (yLo > 0 && yHi > yLo) : yHi > yLo;
  return size.width() > 0 && size.height() > 0 && std::isfinite(xLo) && std::isfinite(xHi) &&
         xHi > xLo && std::isfinite(yLo) && std::isfinite(yHi) && yOk;
}

double PlotFrame::xPixel(double x) const {
  return (x - xLo) / (xHi - xLo) * size.width();
}

double PlotFrame::yPixel(double y) const {
  const double h = size.height();
  if (!logY) return h - (y - yLo) / (yHi - yLo) * h;
  // As QCPAxis: a value outside the log scale's sign domain is drawn far below the rect.
  if (y <= 0) return h + 200;
  return h - std::log(y / yLo) / std::log(yHi / yLo) * h;
}

namespace {
QPolygonF toPixels(const PlotFrame& frame, const XY& xy) {
  QPolygonF line(xy.x.size());
  for (qsizetype i = 0; i < xy.x.size(); ++i)
    line[i] = QPointF(frame.xPixel(xy.x[i]), frame.yPixel(xy.y[i]));
  return line;
}

/// Strokes `line` as QCPGraph does with QCP::phFastPolylines (the charts' hint): one line per
/// segment, its ends rounded to whole pixels when not antialiased (QCPPainter::drawLine), so
/// the image has QCustomPlot's pixels (a polyline would round differently, and a faint pen's
/// joints would not be drawn twice).
void stroke(QPainter& painter, const QPolygonF& line, bool antialiased) {
  for (qsizetype i = 1; i < line.size(); ++i) {
    const QLineF segment(line[i - 1], line[i]);
    if (antialiased)
      painter.drawLine(segment);
    else
      painter.drawLine(segment.toLine());
  }
}
}  // namespace

QImage rasterizeCurves(const PlotFrame& frame, const QVector<RasterCurve>& curves, bool showRaw) {
  if (!frame.valid()) return {};
  const qreal dpr = frame.devicePixelRatio > 0 ? frame.devicePixelRatio : 1;
  QImage image(frame.size * dpr, QImage::Format_ARGB32_Premultiplied);
  image.setDevicePixelRatio(dpr);
  image.fill(Qt::transparent);
  QPainter painter(&image);
  painter.setClipRect(QRect(QPoint(0, 0), frame.size));
  for (const RasterCurve& c : curves) {
    const CurveStyle style = curveStyle(c.colour, true);
    painter.setRenderHint(QPainter::Antialiasing, style.antialiased);
    painter.setBrush(Qt::NoBrush);
    if (showRaw && c.raw && c.raw->x.size() > 1) {
      painter.setPen(style.raw);
      stroke(painter, toPixels(frame, *c.raw), style.antialiased);
    }
    if (!c.smoothed || c.smoothed->x.isEmpty()) continue;
    const QPolygonF line = toPixels(frame, *c.smoothed);
    painter.setPen(style.smoothed);
    stroke(painter, line, style.antialiased);
    if (line.size() <= kMarkersUpTo) {  // as QCPScatterStyle::ssDisc (antialiased scatters)
      painter.setRenderHint(QPainter::Antialiasing, true);
      painter.setPen(QPen(c.colour));
      painter.setBrush(c.colour);
      const double r = kMarkerSize / 2;
      for (const QPointF& p : line) painter.drawEllipse(p, r, r);
    }
  }
  return image;
}

}  // namespace loom::studio
