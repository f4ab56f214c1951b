// RunTailer: polls a log directory on the RunStore's worker thread and reports, by queued
// signal, what changed in each run directory (RunUpdate). Lives on that thread only.
//
// A run directory is the log directory itself or any sub-directory (up to `maxDepth` deep)
// holding run.json or a file whose name contains "tfevents". Per run the tailer remembers
// what it has read (run.json's size and time; each event file's offset, via the engine's
// log-directory reader) so a poll costs a few stat() calls when nothing changed.
//
// run.json (docs/runs.md) gives status, model, host, hyperparameters and the per-epoch
// metrics (tags "epoch/train_loss", "epoch/validation_accuracy", ..., step = epoch).
// Problems are reported in the run's `problem` text, never by failing: an unreadable file
// names the file and the system's reason, a run.json that does not parse names the file.
#pragma once

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QVector>

#include "widgets/modes/train/run_update.h"

class QTimer;

namespace loom::studio {

class RunTailer : public QObject {
  Q_OBJECT

 public:
  explicit RunTailer(QObject* parent = nullptr);

 public slots:
  void setDir(const QString& dir);
  void setIntervalMs(int ms);
  void poll();

 signals:
  void updated(const QVector<loom::studio::RunUpdate>& updates);
  /// Problems of the log directory itself ("" when it holds runs).
  void dirProblem(const QString& problem);

 private:
  struct FileState {
    qint64 size = -1;
    QDateTime modified;
  };
  QStringList findRuns() const;
  void pollRun(const QString& runDir, QVector<RunUpdate>& out);
  bool readRunJson(const QString& path, RunUpdate& update);

  QString m_dir;
  QTimer* m_timer;
  QHash<QString, FileState> m_runJson;  // run dir → run.json as last read
  QSet<QString> m_known;
  QString m_lastDirProblem = QStringLiteral("\x01");  // nothing reported yet
};

}  // namespace loom::studio
