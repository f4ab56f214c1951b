// CurveRaster: how a scalar chart's curves look, and drawing many of them into one image off
// the GUI thread (docs/dashboard.md, "Many runs").
//
// A chart draws each run as two curves: the faint raw values and the smoothed line over them
// (curveStyle(): the one place their pens are chosen). Up to kAntialiasedRunsUpTo runs the
// chart's QCustomPlot graphs draw them (antialiased, 2 px smoothed lines). Above that the
// decimation worker also rasterizes every curve with QPainter into a QImage the size of the
// plot's axis rect (rasterizeCurves), with the same pens, the same order (run by run, raw
// under smoothed) and the same pixel mapping as QCustomPlot's axes (PlotFrame, linear or log
// y). The GUI thread's replot then blits that one image instead of stroking 200 polylines of
// ~2,400 points: 100 runs overlaid replot in a few milliseconds instead of ~90 ms.
// tests/widgets/curve_raster_test.cpp compares the image with QCustomPlot's own drawing of the
// same curves.
#pragma once

#include <QColor>
#include <QImage>
#include <QPen>
#include <QSize>
#include <QVector>

#include "widgets/modes/train/series_math.h"

namespace loom::studio {

/// Above this many runs a chart draws 1 px lines without antialiasing, rasterized on the
/// decimation worker (ScalarChart, Decimator).
inline constexpr int kAntialiasedRunsUpTo = 10;
/// A smoothed curve of at most this many points also gets disc markers, so a single point
/// (the test accuracy, per-epoch values) is seen at all.
inline constexpr int kMarkersUpTo = 32;
inline constexpr double kMarkerSize = 6;
/// Alpha of the raw (unsmoothed) curve under the smoothed one.
inline constexpr int kRawAlpha = 60;

/// The pens of one run's curves. `many`: more than kAntialiasedRunsUpTo runs overlaid.
struct CurveStyle {
  QPen raw, smoothed;
  bool antialiased = true;
};
CurveStyle curveStyle(const QColor& colour, bool many);

/// The axis rect an image covers and the axis ranges it was drawn for. xPixel/yPixel are
/// QCustomPlot's QCPAxis::coordToPixel for a bottom and a left axis (not reversed), relative
/// to the image: x in [xLo, xHi] maps to [0, width], y in [yLo, yHi] to [height, 0]. The
/// image's row 0 is the axis rect's top - 1, as QCustomPlot clips plottables to the axis
/// rect moved up one pixel (QCPLayer::draw), so the image covers exactly what a graph could
/// paint.
struct PlotFrame {
  QSize size;  ///< the axis rect in device-independent pixels
  qreal devicePixelRatio = 1;
  double xLo = 0, xHi = 1, yLo = 0, yHi = 1;
  bool logY = false;

  double xPixel(double x) const;
  double yPixel(double y) const;
  bool valid() const;
};

/// One run's decimated curves and colour. Pointers into the caller's results (not owned).
struct RasterCurve {
  const XY* raw = nullptr;
  const XY* smoothed = nullptr;
  QColor colour;
};

/// Draws `curves` in order (each run's raw curve when `showRaw`, then its smoothed curve, with
/// curveStyle(colour, many = true) and markers on short smoothed curves) on a transparent
/// image of frame.size × devicePixelRatio, clipped to the frame. A null image for an invalid
/// frame.
QImage rasterizeCurves(const PlotFrame& frame, const QVector<RasterCurve>& curves, bool showRaw);

}  // namespace loom::studio
