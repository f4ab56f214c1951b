// TrainMode: Design → Train → Watch. The central widget is the dashboard (scalars, and the
// other panels as tabs) over the RunStore; the docks are the Run panel (the current model's
// run settings from the engine's schema, run options, Start / Pause / Resume / Stop /
// Continue from a checkpoint, live status) and the Runs panel (run list, log directory).
//
// Training runs in the context's TrainSession, off the GUI thread; the mode only calls its
// non-blocking controls and listens to its signals. A run started here is written to
// `<log directory>/<model>-<yyyyMMdd-HHmmss>/` (docs/runs.md) and the log directory is tailed
// by the RunStore, so the studio's own run appears in the run list beside older ones.
// One data path: its curves come only from its event files, as any other run's (the store
// polls every RunStore::pollIntervalMs(), 500 ms: the trainer's "loss/train_step",
// "accuracy/train_step", "learning_rate", ... update at least once a second); the session's
// progress signals only drive the Run panel (status, progress bar, running numbers).
//
// Closing the window during a run asks (confirmClose); "Stop and Close" stops the run with a
// checkpoint and waits for it. setCloseAnswer() answers without a dialog (tests).
//
// Actions (toolbar and buttons): Start (Ctrl+Return), Pause, Resume, Stop, Continue Run….
// Saved state ("modes/train"): log directory, max steps, the charts' settings.
#pragma once

#include <QDateTime>
#include <optional>

#include "engine/train/train_events.h"
#include "widgets/modes/studio_mode.h"

class QAction;
class QDockWidget;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;
class QTabWidget;

namespace loom {
struct TrainProgress;
struct EpochMetrics;
}  // namespace loom

namespace loom::studio {

class ConfusionPanel;
class HistogramsPanel;
class ImagesPanel;
class RunsPanel;
class ScalarsPanel;
class SettingsSummary;

class TrainMode : public StudioMode {
  Q_OBJECT

 public:
  TrainMode(const ModeContext& context, QObject* parent = nullptr);

  QString id() const override { return QStringLiteral("train"); }
  QString title() const override { return tr("Train"); }
  QIcon icon() const override;
  QString toolTip() const override { return tr("Train: run the model and watch it learn"); }
  QWidget* widget() const override;
  QList<QDockWidget*> docks() const override;
  void arrangeDocks(QMainWindow* window) override;
  ModeActions actions() const override { return m_actions; }
  bool confirmClose(QWidget* parent) override;
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  // ---- driving (buttons, tests, --train) ----
  /// Starts a new run of the document's model. False (and the reason in the Run panel) when
  /// a run is active or the log directory cannot be created.
  bool start();
  void pause();
  void resume();
  void stop();
  /// Continues the run in `runDir` from its checkpoint (runDir/model.loom is the model).
  bool continueRun(const QString& runDir);
  /// The run directory of the last run started here (empty before the first).
  QString lastRunDir() const { return m_runDir; }

  QAction* startAction() const { return m_start; }
  QAction* pauseAction() const { return m_pause; }
  QAction* resumeAction() const { return m_resume; }
  QAction* stopAction() const { return m_stop; }
  QAction* continueAction() const { return m_continue; }
  ScalarsPanel* scalars() const { return m_scalars; }
  HistogramsPanel* histograms() const { return m_histograms; }
  ImagesPanel* images() const { return m_images; }
  ConfusionPanel* confusion() const { return m_confusion; }
  QTabWidget* dashboard() const { return m_dashboard; }
  RunsPanel* runsPanel() const { return m_runs; }
  SettingsSummary* settingsSummary() const { return m_settings; }
  QLabel* statusLabel() const { return m_status; }
  QLineEdit* logDirEdit() const { return m_logDir; }
  QSpinBox* maxStepsBox() const { return m_maxSteps; }

  /// Where new runs go (the Run panel's field): an absolute directory.
  QString logDir() const;
  void setLogDir(const QString& dir);
  /// Answers the close question without a dialog: true = stop and close, false = cancel.
  void setCloseAnswer(std::optional<bool> answer) { m_closeAnswer = answer; }

 private:
  QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content);
  QWidget* createRunPanel();
  void createActions();
  void updateActions();
  bool launch(const QString& runDir, bool resume, const QString& modelPath);
  void onProgress(const loom::TrainProgress& p);
  void onStatus(loom::TrainStatus status, const QString& detail);
  void onFinished(loom::TrainStatus status, const QString& detail);
  void setStatusText(const QString& text, bool error = false);

  QTabWidget* m_dashboard;
  ScalarsPanel* m_scalars;
  HistogramsPanel* m_histograms = nullptr;
  ImagesPanel* m_images = nullptr;
  ConfusionPanel* m_confusion = nullptr;
  RunsPanel* m_runs;
  SettingsSummary* m_settings;
  QDockWidget* m_runDock;
  QDockWidget* m_runsDock;
  QLabel* m_status = nullptr;
  QLabel* m_metrics = nullptr;
  QProgressBar* m_progress = nullptr;
  QLineEdit* m_logDir = nullptr;
  QSpinBox* m_maxSteps = nullptr;
  QAction* m_start = nullptr;
  QAction* m_pause = nullptr;
  QAction* m_resume = nullptr;
  QAction* m_stop = nullptr;
  QAction* m_continue = nullptr;
  ModeActions m_actions;
  QString m_runDir;
  std::optional<bool> m_closeAnswer;
};

/// The ModeFactory of Train (listed in widgets/modes/sources.cmake).
StudioMode* createTrainMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
