// Decimator: the worker that turns full-resolution series into what a chart draws —
// smoothing on the whole raw series (series_math.h), then min/max per pixel column of the
// visible x range, the axis ranges that fit them, and, for a chart of many runs
// (`rasterize`), the image of all its curves (curve_raster.h). Lives on its own thread (owned
// by ScalarsPanel); requests arrive by queued call, results leave by the queued signal
// decimated(). The GUI thread never touches more than 2 × width points per curve (SciQLopPlots'
// pattern, STYLE.md), and with many runs it strokes none of them.
#pragma once

#include <QColor>
#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QSize>
#include <QString>
#include <QVector>
#include <cmath>

#include "widgets/modes/train/curve_raster.h"
#include "widgets/modes/train/series_math.h"

namespace loom::studio {

enum class SmoothingKind { Ema, Centred };
/// The chart's x: the step, seconds since the run's first point, or wall-clock time (seconds
/// since the Unix epoch).
enum class XAxisKind { Step, Relative, Wall };

struct DecimationRequest {
  quint64 chart = 0;        ///< the asking chart's id
  quint64 generation = 0;   ///< results of older generations are dropped by the chart
  double lo = 0, hi = 0;    ///< visible x range (ignored when `fit`)
  double yLo = 0, yHi = 1;  ///< visible y range (ignored when `fit`)
  bool fit = true;          ///< fit both axes to the curves (the chart follows the data)
  bool logY = false;
  XAxisKind x = XAxisKind::Step;
  int columns = 600;  ///< plot width in pixels
  SmoothingKind smoothing = SmoothingKind::Ema;
  double emaWeight = 0.6;  ///< TensorBoard's default slider position
  int window = 9;          ///< centred moving average, points
  /// Also draw the curves into DecimationResult::image (a chart of many runs) for an axis
  /// rect of `plotSize` at `devicePixelRatio`, with the raw curves when `showRaw`.
  bool rasterize = false;
  QSize plotSize;
  qreal devicePixelRatio = 1;
  bool showRaw = true;
  struct Curve {
    int run = -1;  ///< RunStore index
    /// The RunStore's arrays (implicitly shared: no copy is made on the GUI thread).
    QVector<double> steps, walls, values;
    double wallOrigin = 0;  ///< subtracted from walls for XAxisKind::Relative
    QColor colour;          ///< the run's colour (drawn only when rasterizing)
  };
  QVector<Curve> curves;
};

struct DecimationResult {
  quint64 chart = 0, generation = 0;
  double lo = 0, hi = 0;          ///< the x range decimated (the data's range when `fit`)
  double yMin = NAN, yMax = NAN;  ///< finite y of the decimated raw points (NaN: none)
  /// The axis ranges to show: the request's, or when `fit` the data's with the chart's
  /// margins (fitRanges()). `found` is false when there is nothing finite to fit.
  double xLo = NAN, xHi = NAN, yLo = NAN, yHi = NAN;
  bool found = false;
  /// With `rasterize`: every curve drawn for `frame` (null when the frame is invalid).
  QImage image;
  PlotFrame frame;
  struct Curve {
    int run = -1;
    XY raw, smoothed;
  };
  QVector<Curve> curves;
};

/// The chart's fitted axis ranges for curves whose x spans [lo, hi] and whose decimated
/// points' finite y (raw and smoothed) span [yMin, yMax]: x as it is (±0.5 for a single x),
/// y with 5 % margins (±0.5 for a single y), or on a log axis [max(yMin, 1e-12) × 0.9,
/// yMax × 1.1]. Sets result.xLo..yHi and result.found.
void fitRanges(double lo, double hi, double yMin, double yMax, bool logY, DecimationResult& result);

class Decimator : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;

 public slots:
  void process(const loom::studio::DecimationRequest& request);

 signals:
  void decimated(const loom::studio::DecimationResult& result);
};

}  // namespace loom::studio

Q_DECLARE_METATYPE(loom::studio::DecimationRequest)
Q_DECLARE_METATYPE(loom::studio::DecimationResult)
