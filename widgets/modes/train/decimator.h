// Decimator: the worker that turns full-resolution series into what a chart draws —
// smoothing on the whole raw series (series_math.h), then min/max per pixel column of the
// visible x range. Lives on its own thread (owned by ScalarsPanel); requests arrive by
// queued call, results leave by the queued signal decimated(). The GUI thread never
// touches more than 2 × width points per curve (SciQLopPlots' pattern, STYLE.md).
#pragma once

#include <QColor>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>
#include <cmath>

#include "widgets/modes/train/series_math.h"

namespace loom::studio {

enum class SmoothingKind { Ema, Centred };
/// The chart's x: the step, seconds since the run's first point, or wall-clock time (seconds
/// since the Unix epoch).
enum class XAxisKind { Step, Relative, Wall };

struct DecimationRequest {
  quint64 chart = 0;       ///< the asking chart's id
  quint64 generation = 0;  ///< results of older generations are dropped by the chart
  double lo = 0, hi = 0;   ///< visible x range (ignored when `fit`)
  bool fit = true;         ///< use the whole x range of the curves (the chart follows the data)
  XAxisKind x = XAxisKind::Step;
  int columns = 600;  ///< plot width in pixels
  SmoothingKind smoothing = SmoothingKind::Ema;
  double emaWeight = 0.6;  ///< TensorBoard's default slider position
  int window = 9;          ///< centred moving average, points
  struct Curve {
    int run = -1;  ///< RunStore index
    /// The RunStore's arrays (implicitly shared: no copy is made on the GUI thread).
    QVector<double> steps, walls, values;
    double wallOrigin = 0;  ///< subtracted from walls for XAxisKind::Relative
  };
  QVector<Curve> curves;
};

struct DecimationResult {
  quint64 chart = 0, generation = 0;
  double lo = 0, hi = 0;          ///< the x range decimated (the data's range when `fit`)
  double yMin = NAN, yMax = NAN;  ///< finite y of the decimated points (NaN: none)
  struct Curve {
    int run = -1;
    XY raw, smoothed;
  };
  QVector<Curve> curves;
};

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
