// RunTailer: polls a log directory on the RunStore's worker thread through the engine's
// LogDirReader (engine/events/log_dir_reader.h) and reports, by queued signal, what changed
// in each run (RunUpdate: only the new points). Lives on that thread only; the reader is not
// thread-safe and never leaves it.
//
// What a run directory is, which files are read and how growing, truncated and corrupt files
// are handled is the reader's (docs/events.md). The tailer converts: scalars to ScalarSeries,
// histograms to HistogramStep, images decoded to QImage (here, off the GUI thread), texts
// (Markdown: model summary, probe labels, confusion matrices) to TextStep, the
// reader's problems (file and byte offset) to the run's problem text, and run.json's raw text
// (docs/runs.md) to status, model, host, hyperparameters, final metrics and the per-epoch
// metrics (tags "epoch/train_loss", "epoch/validation_accuracy", ..., step = epoch). Scalars
// need no conversion: the reader decodes them straight into QVector<double> columns
// (scalar_columns.h), which the update carries as they are.
#pragma once

#include <QObject>
#include <QString>
#include <QVector>
#include <memory>

#include "widgets/modes/train/run_update.h"

class QTimer;

namespace loom::events {
class LogDirReader;
struct RunData;
}  // namespace loom::events

namespace loom::studio {

class ColumnStore;

class RunTailer : public QObject {
  Q_OBJECT

 public:
  explicit RunTailer(QObject* parent = nullptr);
  ~RunTailer() override;

  /// Parses run.json's text into `update` (status, model, host, hyperparameters and, with
  /// `epochScalars`, the per-epoch metrics as epoch/* scalars). False, with update.problem
  /// set, when it is not a JSON object.
  static bool parseRunJson(const QByteArray& text, const QString& path, RunUpdate& update,
                           bool epochScalars = true);

 public slots:
  void setDir(const QString& dir);
  void setIntervalMs(int ms);
  void poll();

 signals:
  void updated(const QVector<loom::studio::RunUpdate>& updates);
  /// Problems of the log directory itself ("" when it holds runs).
  void dirProblem(const QString& problem);

 private:
  QString m_dir;
  QTimer* m_timer;
  std::unique_ptr<ColumnStore> m_columns;  ///< where m_reader writes scalar points
  std::unique_ptr<events::LogDirReader> m_reader;
  QString m_lastDirProblem = QStringLiteral("\x01");  // nothing reported yet
};

}  // namespace loom::studio
