// WorkersMode: distributed training of the current model over several hosts (issue 11,
// docs/workers-mode.md).
//  * Hosts (HostsPanel): typed in, from an Open MPI hostfile, an ssh config or a Slurm
//    partition; slots per host; a connectivity check per host off the GUI thread
//    (HostChecker: ssh reachable, the same loom, the dataset present) with the reason shown.
//  * Run: Start writes the document's model (unsaved edits included) and a hostfile into a
//    new run directory under the dashboard's log directory and starts the real `loom launch`
//    as a QProcess (WorkersJob); Stop is the launcher's stop (SIGTERM: the ranks checkpoint).
//    The run is added to the dashboard's RunStore, so Train mode lists it like any other.
//  * Ranks (RankTableModel): status, step time, samples/s, data wait and allreduce time of
//    every rank from the `workers/rank<r>/*` health scalars the RunStore tails (one data path:
//    nothing here parses an event file), stragglers highlighted, each rank's last log line.
//  * A failure names the rank and host (parseJobFailure over jobFailureReason) in a banner
//    that offers a restart from the last checkpoint (`loom launch ... --resume`).
// The GUI thread never waits: the check and the preparation of a run run on backgroundPool(),
// the job's output arrives by signal.
//
// Actions (toolbar): Check Hosts, Start, Stop. Saved state ("modes/workers"): hosts and
// slots, steps, checkpoint interval, threads, extra options.
#pragma once

#include <QStringList>
#include <string>
#include <vector>

#include "widgets/modes/studio_mode.h"

class QAction;
class QFrame;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableView;

namespace loom::studio {

class HostChecker;
class HostsPanel;
class RankTableModel;
class WorkersJob;

class WorkersMode : public StudioMode {
  Q_OBJECT

 public:
  WorkersMode(const ModeContext& context, QObject* parent = nullptr);

  QString id() const override { return QStringLiteral("workers"); }
  QString title() const override { return tr("Workers"); }
  QIcon icon() const override;
  QString toolTip() const override {
    return tr("Workers: train the model on several hosts and watch every rank");
  }
  QWidget* widget() const override;
  ModeActions actions() const override { return m_actions; }
  bool confirmClose(QWidget* parent) override;
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  // ---- driving (buttons, tests) ----
  /// Checks every listed host (hostsChecked() when all answered). False while one runs.
  bool checkHosts();
  /// Starts a run of the document's model; runStarted() once `loom launch` runs, or the
  /// reason in the status line. False when a run is active or being prepared.
  bool startRun();
  /// Stops the running job (SIGTERM; rank 0 checkpoints).
  void stopRun();
  /// Starts the last run again in its directory, resuming from its checkpoints/last.ckpt
  /// (from the start when it has none).
  bool restartRun();
  bool isRunning() const;

  /// The loom CLI every rank runs: $LOOM_CLI, else `loom` beside the studio (or in
  /// ../cli/ of a build tree), else the one on PATH.
  QString loomExecutable() const { return m_loom; }
  void setLoomExecutable(const QString& path);
  QString runDir() const { return m_runDir; }

  HostsPanel* hostsPanel() const { return m_hosts; }
  HostChecker* checker() const { return m_checker; }
  WorkersJob* job() const { return m_job; }
  RankTableModel* rankModel() const { return m_rankModel; }
  QTableView* rankView() const { return m_rankView; }
  QFrame* banner() const { return m_banner; }
  QLabel* bannerLabel() const { return m_bannerText; }
  QPushButton* restartButton() const { return m_restart; }
  QLabel* statusLabel() const { return m_status; }
  QPlainTextEdit* logView() const { return m_log; }
  QSpinBox* ranksBox() const { return m_ranks; }
  QSpinBox* stepsBox() const { return m_steps; }
  QSpinBox* checkpointBox() const { return m_checkpoint; }
  QSpinBox* threadsBox() const { return m_threads; }
  QLineEdit* optionsEdit() const { return m_options; }
  QAction* startAction() const { return m_start; }
  QAction* stopAction() const { return m_stop; }

 signals:
  void hostsChecked();
  void runStarted(const QString& runDir);
  /// The job ended: its exit code and, when it failed, the line that says why.
  void runFinished(int exitCode, const QString& failureLine);

 private:
  QWidget* buildWidget();
  QWidget* buildRunPanel();
  QWidget* buildBanner();
  void createActions();
  bool launch(const QString& runDir, bool resume);
  void started(const QString& runDir, bool resume);
  void onLine(const QString& line, bool error);
  void onFinished(int exitCode, const QString& failureLine);
  void scheduleHealth();
  void refreshHealth();
  void showBanner(const QString& text, bool failure);
  void setStatus(const QString& text, bool error = false);
  void updateActions();
  QStringList hostsPerRank(int ranks) const;
  void updateRequirements();

  HostsPanel* m_hosts;
  HostChecker* m_checker;
  WorkersJob* m_job;
  RankTableModel* m_rankModel;
  QTableView* m_rankView = nullptr;
  QPlainTextEdit* m_log = nullptr;
  QFrame* m_banner = nullptr;
  QLabel* m_bannerText = nullptr;
  QPushButton* m_restart = nullptr;
  QLabel* m_status = nullptr;
  QLabel* m_model = nullptr;
  QLabel* m_runDirLabel = nullptr;
  QSpinBox* m_ranks = nullptr;
  QSpinBox* m_steps = nullptr;
  QSpinBox* m_checkpoint = nullptr;
  QSpinBox* m_threads = nullptr;
  QLineEdit* m_options = nullptr;
  QAction* m_checkHosts = nullptr;
  QAction* m_start = nullptr;
  QAction* m_stop = nullptr;
  QWidget* m_widget;
  ModeActions m_actions;

  QString m_loom;
  QString m_runDir;                      ///< the current (or last) run's directory
  std::vector<std::string> m_trainArgs;  ///< its model and `loom train` options
  QStringList m_launchArgs;              ///< `launch --np N [--hostfile H]` before "--"
  bool m_preparing = false;
  bool m_healthScheduled = false;
};

/// The ModeFactory of Workers (listed in widgets/modes/sources.cmake).
StudioMode* createWorkersMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
