// RunUpdate: what a poll of one run directory found (RunTailer → RunStore, by queued
// signal). Plain values; ScalarSeries are implicitly shared QVectors (cheap to pass).
#pragma once

#include <QHash>
#include <QImage>
#include <QMetaType>
#include <QSet>
#include <QString>
#include <QVector>
#include <cmath>
#include <optional>

namespace loom::studio {

/// One scalar tag of one run at full resolution: parallel arrays, in the order read (a
/// TensorBoard log is in step order per writer; restarts may repeat steps).
struct ScalarSeries {
  QVector<double> steps;
  QVector<double> walls;  ///< seconds since the Unix epoch (NaN when the file had none)
  QVector<double> values;

  int size() const { return values.size(); }
  void append(double step, double wall, double value) {
    steps.append(step);
    walls.append(wall);
    values.append(value);
  }
  void append(const ScalarSeries& more) {
    steps += more.steps;
    walls += more.walls;
    values += more.values;
  }
};

/// One histogram of a tag at one step (TensorBoard's HistogramProto: bucket i spans
/// (limits[i-1], limits[i]], the first from min).
struct HistogramStep {
  double step = 0, wall = NAN;
  double min = 0, max = 0, num = 0;
  QVector<double> limits, counts;
};

/// The images of a tag at one step, decoded on the tailer's thread.
struct ImageStep {
  double step = 0, wall = NAN;
  QVector<QImage> images;
};

/// A text value of a tag at one step (Markdown: the model summary, probe labels, and the
/// confusion matrices, engine/events/confusion.h).
struct TextStep {
  double step = 0, wall = NAN;
  QString text;
};

struct RunUpdate {
  QString dir;           ///< the run directory (absolute)
  QString name;          ///< relative to the log directory
  bool removed = false;  ///< the directory is gone (deleted while open)
  std::optional<QString> status, model, host;
  std::optional<QString> problem;  ///< set: replaces the run's problem text ("" clears it)
  QHash<QString, double> hparams;  ///< replaces the run's when non-empty
  QHash<QString, QString> textParams;
  /// Scalars: the series of the tags in `replaceTags` (run.json's per-epoch metrics, whole
  /// in every version of the file) replace the run's; the others' points are appended (the
  /// event files' new points).
  QHash<QString, ScalarSeries> scalars;
  QSet<QString> replaceTags;
  QHash<QString, QVector<HistogramStep>> histograms;  ///< appended
  QHash<QString, QVector<ImageStep>> images;          ///< appended
  QHash<QString, QVector<TextStep>> texts;            ///< appended
};

}  // namespace loom::studio

Q_DECLARE_METATYPE(loom::studio::RunUpdate)
Q_DECLARE_METATYPE(QVector<loom::studio::RunUpdate>)
