// RunStore: every run the dashboard shows, and the one owner of their data. Panels render
// models fed by it (run_list_model.h, scalar_chart.h) and never read a file themselves.
//
// Sources, all merged into the same records:
//   * a log directory (setLogDir): a RunTailer (run_tailer.h) on the store's worker thread
//     polls it every pollIntervalMs(): each sub-directory holding run.json or an
//     *tfevents* file is a run; what changed comes back by queued signal as a RunUpdate;
//   * the studio's own run: addLiveRun marks its directory (under the tailed log directory)
//     as the live run and setLiveStatus gives it the session's status; its data comes from
//     its event files like any other run's (one data path, ARCHITECTURE.md).
// Scalars are kept at full resolution (no reservoir sampling): ScalarSeries are implicitly
// shared QVectors, so a decimation worker can hold a snapshot while the store appends.
//
// Threads: every public function is for the GUI thread; signals are emitted there.
#pragma once

#include <QColor>
#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <QVector>
#include <optional>

#include "widgets/modes/train/run_update.h"

namespace loom::studio {

class RunTailer;

/// One run as the run list shows it.
struct RunRecord {
  QString dir;     ///< absolute path (the run's key)
  QString name;    ///< directory name relative to the log directory
  QString status;  ///< run.json "status" ("running", ...), "" when unknown
  QString model;   ///< run.json "model"
  QString host;
  QString problem;             ///< why (part of) the run could not be read; empty when fine
  double startWall = NAN;      ///< seconds since the epoch of the first point (NaN: none)
  double lastWall = NAN;       ///< of the last point
  std::optional<double> best;  ///< best value of the best-metric tag
  QColor colour;
  bool live = false;               ///< the studio's own run
  QHash<QString, double> hparams;  ///< run.json numeric settings and final metrics
  QHash<QString, QString> textParams;
  QHash<QString, ScalarSeries> scalars;               ///< tag → series, sorted by step as read
  QHash<QString, QVector<HistogramStep>> histograms;  ///< tag → one entry per logged step
  QHash<QString, QVector<ImageStep>> images;          ///< tag → one entry per logged step
  QHash<QString, QVector<TextStep>> texts;            ///< tag → one entry per logged step
};

class RunStore : public QObject {
  Q_OBJECT

 public:
  explicit RunStore(QObject* parent = nullptr);
  ~RunStore() override;

  /// Tails `dir` (replacing the previous log directory's runs, the live run kept). An empty
  /// string stops tailing.
  void setLogDir(const QString& dir);
  QString logDir() const { return m_logDir; }
  /// What the log directory itself looks like ("no runs found in …"); empty when fine.
  QString logDirProblem() const { return m_logDirProblem; }
  void setPollIntervalMs(int ms);
  int pollIntervalMs() const { return m_pollMs; }
  /// Polls once now (tests; the timer does it otherwise).
  void pollNow();

  int count() const { return m_runs.size(); }
  const RunRecord& run(int index) const { return m_runs[index]; }
  int indexOf(const QString& dir) const { return m_index.value(dir, -1); }
  /// Every scalar (histogram, image) tag of every run, sorted.
  QStringList scalarTags() const;
  QStringList histogramTags() const;
  QStringList imageTags() const;
  QStringList textTags() const;
  /// The tag whose best value the run list shows, and whether lower is better.
  QString bestTag() const { return m_bestTag; }
  void setBestTag(const QString& tag, bool lowerIsBetter);

  // ---- the studio's own run ----
  /// Adds (or resets) the live run at `dir` and returns its index.
  int addLiveRun(const QString& dir, const QString& model);
  void setLiveStatus(const QString& dir, const QString& status, const QString& problem = {});

  /// Applies updates from the tailer (also usable directly by tests and benchmarks).
  void apply(const QVector<loom::studio::RunUpdate>& updates);

 signals:
  void runAdded(int index);
  void runChanged(int index);
  void runsReset();
  /// New points (or a new tag) for `tag` of the run at `index`.
  void scalarsChanged(int index, const QString& tag);
  /// New histograms or images for the run at `index`.
  void histogramsChanged(int index);
  void imagesChanged(int index);
  /// New text values (confusion matrices among them) for the run at `index`.
  void textsChanged(int index);
  void logDirProblemChanged(const QString& problem);

  // to the tailer (queued)
  void tailerSetDir(const QString& dir);
  void tailerPoll();

 private:
  int ensureRun(const QString& dir);
  void updateBest(RunRecord& run);
  QColor nextColour();

  QString m_logDir;
  QString m_logDirProblem;
  int m_pollMs = 500;
  QVector<RunRecord> m_runs;
  QHash<QString, int> m_index;
  QString m_bestTag;  ///< default: the trainer's validation accuracy (run_store.cpp)
  bool m_lowerIsBetter = false;
  QThread m_thread;
  RunTailer* m_tailer = nullptr;
};

}  // namespace loom::studio
