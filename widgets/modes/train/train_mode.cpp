#include "widgets/modes/train/train_mode.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/graph/model.h"
#include "widgets/document/document.h"
#include "widgets/modes/train/confusion_panel.h"
#include "widgets/modes/train/histograms_panel.h"
#include "widgets/modes/train/images_panel.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/runs_panel.h"
#include "widgets/modes/train/scalars_panel.h"
#include "widgets/modes/train/settings_summary.h"
#include "widgets/modes/train/train_session.h"

namespace loom::studio {

StudioMode* createTrainMode(const ModeContext& context, QObject* parent) {
  return new TrainMode(context, parent);
}

namespace {
QString etaText(double seconds) {
  if (!(seconds > 0)) return {};
  const qint64 s = qint64(seconds);
  return s >= 3600 ? QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60)
         : s >= 60 ? QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60)
                   : QStringLiteral("%1 s").arg(s);
}
}  // namespace

TrainMode::TrainMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_dashboard(new QTabWidget),
      m_scalars(new ScalarsPanel(context.runs)),
      m_runs(new RunsPanel(context.runs)),
      m_settings(new SettingsSummary(context.document)) {
  m_dashboard->setObjectName(QStringLiteral("trainDashboard"));
  m_dashboard->setDocumentMode(true);
  m_dashboard->addTab(m_scalars, tr("Scalars"));
  m_histograms = new HistogramsPanel(context.runs);
  m_images = new ImagesPanel(context.runs);
  m_dashboard->addTab(m_histograms, tr("Histograms"));
  m_dashboard->addTab(m_images, tr("Images"));
  m_confusion = new ConfusionPanel(context.runs);
  m_dashboard->addTab(m_confusion, tr("Confusion"));
  createActions();
  m_runDock = makeDock(tr("Run"), QStringLiteral("trainRunDock"), createRunPanel());
  m_runsDock = makeDock(tr("Runs"), QStringLiteral("trainRunsDock"), m_runs);

  connect(m_runs, &RunsPanel::visibleRunsChanged, m_scalars, &ScalarsPanel::setVisibleRuns);
  connect(m_runs, &RunsPanel::visibleRunsChanged, m_histograms, &HistogramsPanel::setVisibleRuns);
  connect(m_runs, &RunsPanel::visibleRunsChanged, m_images, &ImagesPanel::setVisibleRuns);
  connect(m_runs, &RunsPanel::visibleRunsChanged, m_confusion, &ConfusionPanel::setVisibleRuns);
  // With no model open, the settings panel shows the current run's (SettingsSummary).
  connect(m_runs, &RunsPanel::currentRunChanged, this, [this](int run) {
    const bool known = run >= 0 && run < runs()->count();
    m_settings->setRun(known ? runs()->run(run).name : QString(),
                       known ? runs()->run(run).dir : QString());
  });
  // New runs go where the dashboard looks: a log directory opened (--logdir, File → Open Log
  // Directory, the Runs panel) becomes the one Start writes into, so starting keeps the runs
  // on screen instead of switching the dashboard to ./runs.
  connect(runs(), &RunStore::runsReset, this, [this] {
    if (!runs()->logDir().isEmpty()) setLogDir(runs()->logDir());
  });
  TrainSession* session = training();
  connect(session, &TrainSession::progress, this, &TrainMode::onProgress);
  connect(session, &TrainSession::statusChanged, this, &TrainMode::onStatus);
  connect(session, &TrainSession::finished, this, &TrainMode::onFinished);
  connect(session, &TrainSession::message, this,
          [this](const QString& text) { emit statusMessage(text); });
  updateActions();
}

QIcon TrainMode::icon() const {
  return QIcon(QStringLiteral(":/modes/train/train.svg"));
}
QWidget* TrainMode::widget() const {
  return m_dashboard;
}
QList<QDockWidget*> TrainMode::docks() const {
  return {m_runDock, m_runsDock};
}

void TrainMode::arrangeDocks(QMainWindow* window) {
  window->addDockWidget(Qt::LeftDockWidgetArea, m_runDock);
  window->addDockWidget(Qt::BottomDockWidgetArea, m_runsDock);
  window->resizeDocks({m_runDock}, {320}, Qt::Horizontal);
  window->resizeDocks({m_runsDock}, {170}, Qt::Vertical);
}

QDockWidget* TrainMode::makeDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  return dock;
}

void TrainMode::createActions() {
  auto make = [this](const QString& text, const QString& name, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    a->setToolTip(tip);
    m_actions.toolBar.append(a);
    return a;
  };
  m_start = make(tr("Start"), QStringLiteral("trainStart"),
                 tr("Train the current model in a new run (Ctrl+Return)"));
  m_start->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  m_pause = make(tr("Pause"), QStringLiteral("trainPause"), tr("Hold the run between two steps"));
  m_resume = make(tr("Resume"), QStringLiteral("trainResume"), tr("Continue a paused run"));
  m_stop = make(tr("Stop"), QStringLiteral("trainStop"),
                tr("End the run at the next step with a checkpoint (Continue Run resumes it)"));
  m_continue = make(tr("Continue Run…"), QStringLiteral("trainContinue"),
                    tr("Resume a stopped run from its checkpoint"));
  connect(m_start, &QAction::triggered, this, [this] { start(); });
  connect(m_pause, &QAction::triggered, this, &TrainMode::pause);
  connect(m_resume, &QAction::triggered, this, &TrainMode::resume);
  connect(m_stop, &QAction::triggered, this, &TrainMode::stop);
  connect(m_continue, &QAction::triggered, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(m_dashboard, tr("Continue Run"),
                                                          m_runDir.isEmpty() ? logDir() : m_runDir);
    if (!dir.isEmpty()) continueRun(dir);
  });
}

QWidget* TrainMode::createRunPanel() {
  auto* panel = new QWidget;
  m_status = new QLabel(tr("Ready to train."));
  m_status->setObjectName(QStringLiteral("trainStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
  QFont big = m_status->font();
  big.setPointSizeF(big.pointSizeF() * 1.15);
  big.setBold(true);
  m_status->setFont(big);
  m_progress = new QProgressBar;
  m_progress->setObjectName(QStringLiteral("trainProgress"));
  m_progress->setTextVisible(true);
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_metrics = new QLabel;
  m_metrics->setObjectName(QStringLiteral("trainMetrics"));
  m_metrics->setWordWrap(true);

  auto* buttons = new QHBoxLayout;
  for (QAction* a : {m_start, m_pause, m_resume, m_stop}) {
    auto* b = new QToolButton;
    b->setDefaultAction(a);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    buttons->addWidget(b);
  }
  auto* cont = new QToolButton;
  cont->setDefaultAction(m_continue);
  cont->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

  m_logDir = new QLineEdit(runs()->logDir().isEmpty()
                               ? QDir::current().absoluteFilePath(QStringLiteral("runs"))
                               : runs()->logDir());
  m_logDir->setObjectName(QStringLiteral("trainLogDir"));
  m_logDir->setToolTip(tr("New runs are written to <log directory>/<model>-<date-time>/"));
  auto* browse = new QToolButton;
  browse->setText(QStringLiteral("…"));
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(m_dashboard, tr("Log Directory"), logDir());
    if (!dir.isEmpty()) setLogDir(dir);
  });
  auto* dirRow = new QHBoxLayout;
  dirRow->addWidget(m_logDir, 1);
  dirRow->addWidget(browse);
  m_maxSteps = new QSpinBox;
  m_maxSteps->setObjectName(QStringLiteral("trainMaxSteps"));
  m_maxSteps->setRange(0, 1'000'000'000);
  m_maxSteps->setSpecialValueText(tr("no limit"));
  m_maxSteps->setToolTip(tr("Stop after this many optimizer steps (a checkpoint is written)"));

  auto* form = new QFormLayout;
  form->addRow(tr("Log directory"), dirRow);
  form->addRow(tr("Max steps"), m_maxSteps);

  auto* layout = new QVBoxLayout(panel);
  layout->addWidget(m_status);
  layout->addWidget(m_progress);
  layout->addWidget(m_metrics);
  layout->addLayout(buttons);
  layout->addWidget(cont);
  layout->addLayout(form);
  layout->addWidget(m_settings, 1);
  return panel;
}

QString TrainMode::logDir() const {
  return QDir(m_logDir->text()).absolutePath();
}
void TrainMode::setLogDir(const QString& dir) {
  m_logDir->setText(QDir(dir).absolutePath());
}

void TrainMode::updateActions() {
  const bool active = training()->isActive();
  const TrainStatus s = training()->status();
  m_start->setEnabled(!active);
  m_continue->setEnabled(!active);
  m_pause->setEnabled(active && s != TrainStatus::Paused);
  m_resume->setEnabled(active && s == TrainStatus::Paused);
  m_stop->setEnabled(active);
  m_settings->setEditable(!active);
}

void TrainMode::setStatusText(const QString& text, bool error) {
  m_status->setText(text);
  m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
}

bool TrainMode::start() {
  const QString name = QString::fromStdString(document()->model().name).isEmpty()
                           ? QStringLiteral("model")
                           : QString::fromStdString(document()->model().name);
  QString runDir = QDir(logDir()).absoluteFilePath(
      name + QLatin1Char('-') +
      QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
  for (int n = 2; QFileInfo::exists(runDir); ++n)  // two starts in one second
    runDir = runDir.section(QLatin1Char('~'), 0, 0) + QLatin1Char('~') + QString::number(n);
  return launch(runDir, false, {});
}

bool TrainMode::continueRun(const QString& runDir) {
  return launch(QDir(runDir).absolutePath(), true, runDir + QStringLiteral("/model.loom"));
}

bool TrainMode::launch(const QString& runDir, bool resume, const QString& modelPath) {
  Model model = document()->model();
  if (!modelPath.isEmpty()) {
    auto loaded = loadModel(modelPath.toStdString());
    if (!loaded) {
      setStatusText(tr("Cannot continue %1: %2")
                        .arg(runDir, QString::fromStdString(loaded.status().message())),
                    true);
      return false;
    }
    model = std::move(*loaded);
  }
  if (!QDir().mkpath(logDir())) {
    setStatusText(tr("Cannot create the log directory %1.").arg(logDir()), true);
    return false;
  }
  TrainLaunch launch;
  launch.runDir = runDir;
  launch.resume = resume;
  launch.maxSteps = m_maxSteps->value();
  QString error;
  if (!training()->start(model, launch, &error)) {
    setStatusText(error, true);
    return false;
  }
  m_runDir = runDir;
  const QString logParent = QFileInfo(runDir).absolutePath();
  if (runs()->logDir() != logParent) runs()->setLogDir(logParent);
  runs()->addLiveRun(runDir, QString::fromStdString(model.name));
  setStatusText(resume ? tr("Continuing %1…").arg(QFileInfo(runDir).fileName())
                       : tr("Preparing %1…").arg(QFileInfo(runDir).fileName()));
  m_progress->setRange(0, 0);  // busy until the first step
  m_metrics->clear();
  updateActions();
  return true;
}

void TrainMode::pause() {
  training()->pause();
  m_pause->setEnabled(false);
}

void TrainMode::resume() {
  training()->resume();
  m_resume->setEnabled(false);
}

void TrainMode::stop() {
  training()->stop();
  setStatusText(tr("Stopping at the next step (writing a checkpoint)…"));
  m_stop->setEnabled(false);
}

void TrainMode::onProgress(const TrainProgress& p) {
  if (p.phase != TrainProgress::Phase::Train) {
    setStatusText(p.phase == TrainProgress::Phase::Validate
                      ? tr("Validating epoch %1…").arg(p.epoch + 1)
                      : tr("Evaluating the test split…"));
    return;
  }
  // The curves come from the run's event files through the RunStore (one data path); the
  // progress only updates the Run panel's status, bar and numbers.
  if (training()->status() == TrainStatus::Running)
    setStatusText(tr("Training: epoch %1 of %2").arg(p.epoch + 1).arg(p.epochs));
  m_progress->setRange(0, int(std::max<std::int64_t>(1, p.steps)));
  m_progress->setValue(int(p.step));
  m_progress->setFormat(tr("step %1 / %2").arg(p.step).arg(p.steps));
  m_metrics->setText(
      tr("loss %1 · accuracy %2 % · %3 samples/s · lr %4%5")
          .arg(p.loss, 0, 'f', 4)
          .arg(100 * p.accuracy, 0, 'f', 1)
          .arg(p.samplesPerSecond, 0, 'f', 0)
          .arg(p.learningRate, 0, 'g', 3)
          .arg(p.etaSeconds > 0 ? tr(" · ETA %1").arg(etaText(p.etaSeconds)) : QString()));
}

void TrainMode::onStatus(TrainStatus status, const QString& detail) {
  runs()->setLiveStatus(
      m_runDir, QString::fromLatin1(trainStatusName(status)),
      status == TrainStatus::Diverged || status == TrainStatus::Failed ? detail : QString());
  if (status == TrainStatus::Paused) setStatusText(tr("Paused."));
  updateActions();
}

void TrainMode::onFinished(TrainStatus status, const QString& detail) {
  m_progress->setRange(0, 1);
  m_progress->setValue(status == TrainStatus::Completed ? 1 : 0);
  runs()->setLiveStatus(
      m_runDir, QString::fromLatin1(trainStatusName(status)),
      status == TrainStatus::Diverged || status == TrainStatus::Failed ? detail : QString());
  switch (status) {
    case TrainStatus::Completed:
      setStatusText(tr("Completed."));
      break;
    case TrainStatus::Stopped:
      setStatusText(tr("Stopped. Checkpoint: %1 — Continue Run resumes it.").arg(detail));
      break;
    case TrainStatus::Diverged:
      setStatusText(tr("Diverged: %1").arg(detail), true);
      break;
    case TrainStatus::Failed:
      setStatusText(tr("Failed: %1").arg(detail), true);
      break;
    case TrainStatus::Ready:
    case TrainStatus::Running:
    case TrainStatus::Paused:
      break;
  }
  emit statusMessage(m_status->text());
  runs()->pollNow();  // run.json has its final state now
  updateActions();
}

bool TrainMode::confirmClose(QWidget* parent) {
  if (!training()->isActive()) return true;
  bool stop = false;
  if (m_closeAnswer) {
    stop = *m_closeAnswer;
  } else {
    QMessageBox box(QMessageBox::Question, tr("Training in Progress"),
                    tr("A run is training (%1).\n\nStop it with a checkpoint and close? "
                       "Continue Run resumes it later.")
                        .arg(QFileInfo(m_runDir).fileName()),
                    QMessageBox::Cancel, parent);
    QPushButton* stopButton = box.addButton(tr("Stop and Close"), QMessageBox::AcceptRole);
    box.setDefaultButton(QMessageBox::Cancel);
    box.exec();
    stop = box.clickedButton() == stopButton;
  }
  if (!stop) return false;
  setStatusText(tr("Stopping (writing a checkpoint)…"));
  training()->stopAndWait();
  return true;
}

void TrainMode::saveState(QSettings& settings) const {
  settings.setValue(QStringLiteral("logDir"), logDir());
  settings.setValue(QStringLiteral("maxSteps"), m_maxSteps->value());
  const ChartSettings c = m_scalars->settings();
  settings.setValue(QStringLiteral("smoothing"), c.smoothing == SmoothingKind::Ema ? 0 : 1);
  settings.setValue(QStringLiteral("emaWeight"), c.emaWeight);
  settings.setValue(QStringLiteral("window"), c.window);
  settings.setValue(QStringLiteral("xAxis"), static_cast<int>(c.x));
  settings.setValue(QStringLiteral("logY"), c.logY);
  settings.setValue(QStringLiteral("showRaw"), c.showRaw);
}

void TrainMode::restoreState(QSettings& settings) {
  if (settings.contains(QStringLiteral("logDir")))
    setLogDir(settings.value(QStringLiteral("logDir")).toString());
  m_maxSteps->setValue(settings.value(QStringLiteral("maxSteps"), 0).toInt());
  ChartSettings c;
  c.smoothing = settings.value(QStringLiteral("smoothing"), 0).toInt() == 0
                    ? SmoothingKind::Ema
                    : SmoothingKind::Centred;
  c.emaWeight = std::clamp(settings.value(QStringLiteral("emaWeight"), 0.6).toDouble(), 0.0, 0.99);
  c.window = std::clamp(settings.value(QStringLiteral("window"), 9).toInt(), 1, 199);
  c.x =
      static_cast<XAxisKind>(std::clamp(settings.value(QStringLiteral("xAxis"), 0).toInt(), 0, 2));
  c.logY = settings.value(QStringLiteral("logY"), false).toBool();
  c.showRaw = settings.value(QStringLiteral("showRaw"), true).toBool();
  m_scalars->setSettings(c);
}

}  // namespace loom::studio
