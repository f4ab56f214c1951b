// WorkersMode: the run — preparing it off the GUI thread, starting `loom launch`, its output,
// the per-rank health from the RunStore, the end, the failure banner and the restart.
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSysInfo>
#include <QTimer>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "engine/core/version.h"
#include "engine/graph/model.h"
#include "widgets/document/document.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/workers/dist_launcher.h"
#include "widgets/modes/workers/host_checker.h"
#include "widgets/modes/workers/host_sources.h"
#include "widgets/modes/workers/hosts_panel.h"
#include "widgets/modes/workers/job_failure.h"
#include "widgets/modes/workers/rank_table.h"
#include "widgets/modes/workers/workers_job.h"
#include "widgets/modes/workers/workers_mode.h"
#include "widgets/shell/background.h"

namespace loom::studio {

namespace {

std::string str(const QString& s) {
  return s.toStdString();
}

/// The model's dataset path with Loom's defaults applied (what every rank reads).
QString datasetPathOf(Model model) {
  applyDefaults(model);
  const QString path = QString::fromStdString(model.dataset.path());
  return path.isEmpty() ? path : QDir::current().absoluteFilePath(path);
}

/// Writes the model and the hostfile into the run directory and checks the request with the
/// launcher's own validation (mpirunArgv). Runs on a pool thread.
Status prepareRun(const Model& model, const std::string& runDir, const std::string& modelPath,
                  const std::string& hostfile, const std::vector<HostfileEntry>& hosts,
                  const LaunchRequest& request) {
  if (!QDir().mkpath(QString::fromStdString(runDir)))
    return ioError("cannot create the run directory " + runDir);
  if (Status st = saveModel(model, modelPath); !st) return st;
  if (!hostfile.empty()) {
    std::ofstream out(hostfile);
    out << hostfileText(hosts);
    if (!out.flush()) return ioError("cannot write " + hostfile);
  }
  auto argv = mpirunArgv(request);
  return argv ? Status::ok() : argv.status();
}

}  // namespace

bool WorkersMode::isRunning() const {
  return m_job->isRunning();
}

QStringList WorkersMode::hostsPerRank(int ranks) const {
  // Open MPI's default mapping with a hostfile (--map-by slot): a host's slots are filled
  // in hostfile order before the next host's.
  QStringList out;
  const std::vector<HostfileEntry> hosts = m_hosts->hosts();
  while (out.size() < ranks) {
    if (hosts.empty()) {
      out << QSysInfo::machineHostName();
      continue;
    }
    for (const HostfileEntry& h : hosts)
      for (int s = 0; s < slotCount(h) && out.size() < ranks; ++s)
        out << QString::fromStdString(h.host);
  }
  return out;
}

void WorkersMode::setLoomExecutable(const QString& path) {
  m_loom = path;
  updateRequirements();
}

void WorkersMode::updateRequirements() {
  const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
  QStringList shell;
  for (const std::string& w : remoteShellOf(agent ? agent : "")) shell << QString::fromStdString(w);
  m_hosts->setRequirements(shell.join(QLatin1Char(' ')), m_loom,
                           QString::fromLatin1(kLoomVersionLine),
                           datasetPathOf(document()->model()));
}

bool WorkersMode::checkHosts() {
  if (m_checker->isRunning() || isRunning()) return false;
  HostCheckRequest request;
  request.loom = m_loom;
  request.datasetPath = datasetPathOf(document()->model());
  for (const HostfileEntry& h : m_hosts->hosts())
    m_hosts->setCheckResult(QString::fromStdString(h.host), tr("checking…"), true, true);
  m_hosts->checkButton()->setEnabled(false);
  return m_checker->check(m_hosts->hosts(), request);
}

bool WorkersMode::startRun() {
  if (isRunning() || m_preparing) return false;
  const QString name = QString::fromStdString(document()->model().name).isEmpty()
                           ? QStringLiteral("model")
                           : QString::fromStdString(document()->model().name);
  const QString logDir = runs()->logDir().isEmpty()
                             ? QDir::current().absoluteFilePath(QStringLiteral("runs"))
                             : runs()->logDir();
  QString dir = QDir(logDir).absoluteFilePath(
      name + QStringLiteral("-workers-") +
      QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
  for (int n = 2; QFileInfo::exists(dir); ++n)  // two starts in one second
    dir = dir.section(QLatin1Char('~'), 0, 0) + QLatin1Char('~') + QString::number(n);
  m_trainArgs = {str(dir + QStringLiteral("/launch.loom")), "--run-dir", str(dir)};
  if (m_steps->value() > 0)
    m_trainArgs.insert(m_trainArgs.end(), {"--max-steps", std::to_string(m_steps->value())});
  if (m_checkpoint->value() > 0)
    m_trainArgs.insert(m_trainArgs.end(),
                       {"--checkpoint-every", std::to_string(m_checkpoint->value())});
  m_trainArgs.insert(m_trainArgs.end(), {"--threads", std::to_string(m_threads->value())});
  // Ranks on the studio's own machine would otherwise take the cores its GUI thread needs
  // (docs/workers-mode.md: stalls of 50-120 ms while a 2-rank job ran on 2 cores).
  m_trainArgs.insert(m_trainArgs.end(), {"--nice", "10"});
  for (const QString& o : QProcess::splitCommand(m_options->text())) m_trainArgs.push_back(str(o));
  return launch(dir, false);
}

bool WorkersMode::restartRun() {
  if (isRunning() || m_preparing || m_runDir.isEmpty()) return false;
  return launch(m_runDir, QFileInfo::exists(m_runDir + QStringLiteral("/checkpoints/last.ckpt")));
}

bool WorkersMode::launch(const QString& runDir, bool resume) {
  if (m_loom.isEmpty() || !QFileInfo(m_loom).isExecutable()) {
    setStatus(tr("Cannot find the loom command line next to the studio or on PATH (set LOOM_CLI)."),
              true);
    return false;
  }
  const std::vector<HostfileEntry> hosts = m_hosts->hosts();
  const QString hostfile = hosts.empty() ? QString() : runDir + QStringLiteral("/hostfile");
  LaunchRequest request;
  request.ranks = m_ranks->value();
  request.hostfile = str(hostfile);
  request.loom = str(m_loom);
  request.trainArgs = resume ? withResume(m_trainArgs) : m_trainArgs;
  m_launchArgs = {QStringLiteral("launch"), QStringLiteral("--np"), QString::number(request.ranks)};
  if (!hostfile.isEmpty()) m_launchArgs << QStringLiteral("--hostfile") << hostfile;
  QStringList args = m_launchArgs;
  args << QStringLiteral("--");
  for (const std::string& a : request.trainArgs) args << QString::fromStdString(a);

  m_preparing = true;
  updateActions();
  m_banner->hide();
  setStatus(resume ? tr("Resuming %1…").arg(QFileInfo(runDir).fileName())
                   : tr("Preparing %1…").arg(QFileInfo(runDir).fileName()));
  const bool fresh = runDir != m_runDir || !resume;
  Model model = document()->model();
  auto work = [model, dir = str(runDir), path = m_trainArgs.front(), hf = str(hostfile), hosts,
               request, fresh] {
    // A restart keeps the model file it started with: the checkpoint belongs to it.
    return fresh ? prepareRun(model, dir, path, hf, hosts, request) : Status::ok();
  };
  runInBackgroundThen(this, work, [this, runDir, args, resume](Status st) {
    m_preparing = false;
    if (!st) {
      setStatus(QString::fromStdString(st.message()), true);
      updateActions();
      return;
    }
    m_job->start(m_loom, args);
    started(runDir, resume);
  });
  return true;
}

void WorkersMode::started(const QString& runDir, bool resume) {
  m_runDir = runDir;
  m_runDirLabel->setText(runDir);
  m_rankModel->reset(hostsPerRank(m_ranks->value()));
  const QString logParent = QFileInfo(runDir).absolutePath();
  if (runs()->logDir() != logParent) runs()->setLogDir(logParent);
  runs()->addLiveRun(runDir, QString::fromStdString(document()->model().name));
  m_log->appendPlainText(
      QStringLiteral("$ loom %1").arg(m_job->arguments().join(QLatin1Char(' '))));
  setStatus(resume ? tr("Running (resumed from the last checkpoint).") : tr("Running."));
  updateActions();
  emit runStarted(runDir);
}

void WorkersMode::stopRun() {
  if (!isRunning()) return;
  m_job->stop();
  m_stop->setEnabled(false);
  setStatus(tr("Stopping: the ranks agree on a step and rank 0 writes a checkpoint…"));
}

void WorkersMode::onLine(const QString& line, bool error) {
  m_log->appendPlainText(line);
  // Which rank said it: a line naming a rank is that rank's; only rank 0 prints to stdout
  // and draws the progress bar (stderr, "train epoch ...").
  static const QRegularExpression own(QStringLiteral(R"(^loom: (?:error: )?rank (\d+) \()"));
  int rank = parseJobFailure(line).rank;
  if (const auto m = own.match(line); rank < 0 && m.hasMatch()) rank = m.captured(1).toInt();
  if (rank < 0 && (!error || line.startsWith(QLatin1String("train epoch")))) rank = 0;
  if (rank >= 0) m_rankModel->appendLine(rank, line.simplified());
}

void WorkersMode::scheduleHealth() {
  if (m_healthScheduled || m_runDir.isEmpty()) return;
  m_healthScheduled = true;  // one refresh per event-loop pass, however many tags changed
  QTimer::singleShot(0, this, [this] {
    m_healthScheduled = false;
    refreshHealth();
  });
}

void WorkersMode::refreshHealth() {
  const int index = runs()->indexOf(m_runDir);
  if (index < 0) return;
  const RunRecord& run = runs()->run(index);
  // The record's settings may be replaced by a later read without batch_size (an event
  // file's hparams); keep the last one known.
  if (const double batch = run.hparams.value(QStringLiteral("batch_size"), 0); batch > 0)
    m_rankModel->setBatchSize(batch);
  for (int r = 0; r < m_rankModel->ranks(); ++r) {
    const QString prefix = QStringLiteral("workers/rank%1/").arg(r);
    const ScalarSeries step = run.scalars.value(prefix + QStringLiteral("step_ms"));
    if (step.size() == 0 || step.steps.last() == m_rankModel->step(r)) continue;
    const ScalarSeries wait = run.scalars.value(prefix + QStringLiteral("data_wait_ms"));
    const ScalarSeries reduce = run.scalars.value(prefix + QStringLiteral("allreduce_ms"));
    QVector<double> busy;
    const int n = std::min(step.size(), reduce.size());
    for (int i = std::max(0, n - kStragglerWindow); i < n; ++i)
      busy.append(step.values[i] - reduce.values[i]);
    m_rankModel->setHealth(r, step.steps.last(), step.values.last(),
                           wait.size() ? wait.values.last() : NAN,
                           reduce.size() ? reduce.values.last() : NAN, busy);
  }
  if (isRunning() && m_rankModel->ranks() > 0 && !std::isnan(m_rankModel->step(0)))
    setStatus(m_steps->value() > 0
                  ? tr("Running: step %1 of %2.").arg(m_rankModel->step(0)).arg(m_steps->value())
                  : tr("Running: step %1.").arg(m_rankModel->step(0)));
}

void WorkersMode::onFinished(int exitCode, const QString& failureLine) {
  refreshHealth();
  const bool stopped = m_job->stopRequested() || exitCode == 130;
  if (exitCode == 0) {
    m_rankModel->endRunning(RankTableModel::State::Finished);
    setStatus(tr("Finished: %1").arg(QFileInfo(m_runDir).fileName()));
    runs()->setLiveStatus(m_runDir, QStringLiteral("finished"));
  } else if (stopped) {
    m_rankModel->endRunning(RankTableModel::State::Stopped);
    setStatus(tr("Stopped."));
    runs()->setLiveStatus(m_runDir, QStringLiteral("stopped"));
    showBanner(tr("The run was stopped; rank 0 wrote a checkpoint."), false);
  } else {
    const JobFailure f = parseJobFailure(failureLine);
    static const QRegularExpression signal(QStringLiteral(R"(exited on (signal \d+ \([^)]*\)))"));
    const QString detail = signal.match(f.line).captured(1);
    m_rankModel->setState(f.rank, RankTableModel::State::Failed, detail);
    m_rankModel->endRunning(RankTableModel::State::Ended);
    const QString who = f.rank < 0         ? tr("The job failed (exit %1)").arg(exitCode)
                        : f.host.isEmpty() ? tr("Rank %1 failed").arg(f.rank)
                                           : tr("Rank %1 on %2 failed").arg(f.rank).arg(f.host);
    const QString text =
        f.line.isEmpty() ? who + QLatin1Char('.') : who + QStringLiteral(": ") + f.line;
    setStatus(who + QLatin1Char('.'), true);
    runs()->setLiveStatus(m_runDir, QStringLiteral("failed"), text);
    showBanner(text, true);
  }
  updateActions();
  emit runFinished(exitCode, failureLine);
}

void WorkersMode::showBanner(const QString& text, bool failure) {
  const bool checkpoint = QFileInfo::exists(m_runDir + QStringLiteral("/checkpoints/last.ckpt"));
  m_bannerText->setText(text + QLatin1Char(' ') +
                        (checkpoint ? tr("Restart resumes from its last checkpoint.")
                                    : tr("It has no checkpoint yet: a restart starts over.")));
  m_restart->setText(checkpoint ? tr("Restart from Last Checkpoint") : tr("Restart"));
  m_banner->setStyleSheet(
      failure
          ? QStringLiteral("#workersBanner { background: rgba(208, 59, 47, 38); border: 1px solid "
                           "rgba(208, 59, 47, 150); border-radius: 4px; }")
          : QStringLiteral("#workersBanner { background: rgba(59, 130, 196, 30); border: 1px solid "
                           "rgba(59, 130, 196, 130); border-radius: 4px; }"));
  m_banner->show();
}

}  // namespace loom::studio
