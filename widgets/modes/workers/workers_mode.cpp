// WorkersMode: construction, layout, actions and saved state. The run itself (start, output,
// health, failure, restart) is in workers_run.cpp.
#include "widgets/modes/workers/workers_mode.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine/train/settings.h"
#include "widgets/document/document.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/workers/host_checker.h"
#include "widgets/modes/workers/hosts_panel.h"
#include "widgets/modes/workers/rank_table.h"
#include "widgets/modes/workers/workers_job.h"
#include "widgets/shell/group_box.h"

namespace loom::studio {

StudioMode* createWorkersMode(const ModeContext& context, QObject* parent) {
  return new WorkersMode(context, parent);
}

namespace {

QString findLoom() {
  if (const QString env = qEnvironmentVariable("LOOM_CLI"); !env.isEmpty()) return env;
  const QDir here(QCoreApplication::applicationDirPath());
  for (const QString& candidate :
       {here.filePath(QStringLiteral("loom")), here.filePath(QStringLiteral("../cli/loom"))})
    if (QFileInfo(candidate).isExecutable()) return QFileInfo(candidate).canonicalFilePath();
  return QStandardPaths::findExecutable(QStringLiteral("loom"));
}

QSpinBox* spin(const char* name, int min, int max, int value, const QString& tip) {
  auto* box = new QSpinBox;
  box->setObjectName(QString::fromLatin1(name));
  box->setRange(min, max);
  box->setValue(value);
  box->setToolTip(tip);
  return box;
}

}  // namespace

WorkersMode::WorkersMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_hosts(new HostsPanel),
      m_checker(new HostChecker(this)),
      m_job(new WorkersJob(this)),
      m_rankModel(new RankTableModel(this)),
      m_loom(findLoom()) {
  createActions();
  m_widget = buildWidget();
  connect(m_hosts, &HostsPanel::checkRequested, this, &WorkersMode::checkHosts);
  connect(m_hosts, &HostsPanel::hostsChanged, this, [this] {
    if (!isRunning()) m_ranks->setValue(std::max(1, m_hosts->totalSlots()));
  });
  connect(m_checker, &HostChecker::hostChecked, this,
          [this](const QString& host, bool ok, const QString& reason) {
            m_hosts->setCheckResult(host, ok ? tr("ready") : reason, ok);
          });
  connect(m_checker, &HostChecker::finished, this, [this] {
    m_hosts->checkButton()->setEnabled(!isRunning());
    emit hostsChecked();
  });
  connect(m_job, &WorkersJob::line, this, &WorkersMode::onLine);
  connect(m_job, &WorkersJob::finished, this, &WorkersMode::onFinished);
  connect(runs(), &RunStore::scalarsChanged, this, [this](int, const QString& tag) {
    if (tag.startsWith(QLatin1String("workers/rank"))) scheduleHealth();
  });
  connect(runs(), &RunStore::runChanged, this, [this] { scheduleHealth(); });
  connect(document(), &Document::modelReset, this,
          [this] { m_model->setText(QString::fromStdString(document()->model().name)); });
  m_model->setText(QString::fromStdString(document()->model().name));
  updateActions();
}

QIcon WorkersMode::icon() const {
  return QIcon(QStringLiteral(":/modes/workers/workers.svg"));
}
QWidget* WorkersMode::widget() const {
  return m_widget;
}

void WorkersMode::createActions() {
  auto make = [this](const QString& text, const char* name, const QString& tip) {
    auto* a = new QAction(text, this);
    a->setObjectName(QString::fromLatin1(name));
    a->setToolTip(tip);
    m_actions.toolBar.append(a);
    return a;
  };
  m_checkHosts = make(tr("Check Hosts"), "workersCheck",
                      tr("ssh reachable, the same loom installed, the dataset present"));
  m_start = make(tr("Start"), "workersStart",
                 tr("Train the current model on the listed hosts with loom launch"));
  m_stop = make(tr("Stop"), "workersStop",
                tr("Stop the run: every rank stops at the same step and rank 0 checkpoints"));
  connect(m_checkHosts, &QAction::triggered, this, &WorkersMode::checkHosts);
  connect(m_start, &QAction::triggered, this, &WorkersMode::startRun);
  connect(m_stop, &QAction::triggered, this, &WorkersMode::stopRun);
}

QWidget* WorkersMode::buildRunPanel() {
  m_model = new QLabel;
  m_model->setObjectName(QStringLiteral("workersModel"));
  m_model->setToolTip(tr("The document's model, unsaved edits included"));
  m_ranks = spin("workersRanks", 1, 4096, 1, tr("Ranks (mpirun -np); default: the hosts' slots"));
  m_steps = spin("workersSteps", 0, 1'000'000'000, 0, tr("loom train --max-steps"));
  m_steps->setSpecialValueText(tr("no limit"));
  m_checkpoint = spin("workersCheckpoint", 0, 1'000'000'000, 100,
                      tr("loom train --checkpoint-every: a restart loses at most this many steps"));
  m_checkpoint->setSpecialValueText(tr("epoch ends"));
  const SettingSpec* threads = findSetting("training.threads");  // the one meaning of 0
  m_threads = spin("workersThreads", 0, static_cast<int>(threads->range.max), 1,
                   tr("loom train --threads, per rank"));
  m_threads->setSpecialValueText(QString::fromStdString(threads->zeroText));
  m_options = new QLineEdit;
  m_options->setObjectName(QStringLiteral("workersOptions"));
  m_options->setPlaceholderText(tr("more loom train options, e.g. --batch-size 32"));
  m_runDirLabel = new QLabel(tr("A new directory under the dashboard's log directory"));
  m_runDirLabel->setObjectName(QStringLiteral("workersRunDir"));
  m_runDirLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_runDirLabel->setWordWrap(true);
  m_status = new QLabel(tr("Add hosts, check them, then Start."));
  m_status->setObjectName(QStringLiteral("workersStatus"));
  m_status->setWordWrap(true);

  auto* left = new QFormLayout;
  left->addRow(tr("Model"), m_model);
  left->addRow(tr("Ranks"), m_ranks);
  left->addRow(tr("Threads per rank"), m_threads);
  auto* right = new QFormLayout;
  right->addRow(tr("Max steps"), m_steps);
  right->addRow(tr("Checkpoint every"), m_checkpoint);
  right->addRow(tr("Options"), m_options);
  auto* columns = new QHBoxLayout;
  columns->addLayout(left, 2);
  columns->addSpacing(16);
  columns->addLayout(right, 3);

  auto* buttons = new QHBoxLayout;
  for (QAction* a : {m_start, m_stop}) {
    auto* b = new QToolButton;
    b->setDefaultAction(a);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    b->setMinimumWidth(96);
    buttons->addWidget(b);
  }
  buttons->addSpacing(12);
  buttons->addWidget(m_status, 1);

  auto* panel = new QWidget;
  auto* layout = new QVBoxLayout(panel);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(columns);
  auto* dirRow = new QFormLayout;
  dirRow->addRow(tr("Run directory"), m_runDirLabel);
  layout->addLayout(dirRow);
  layout->addLayout(buttons);
  return panel;
}

QWidget* WorkersMode::buildBanner() {
  m_banner = new QFrame;
  m_banner->setObjectName(QStringLiteral("workersBanner"));
  m_bannerText = new QLabel;
  m_bannerText->setObjectName(QStringLiteral("workersBannerText"));
  m_bannerText->setWordWrap(true);
  m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_restart = new QPushButton(tr("Restart from Last Checkpoint"));
  m_restart->setObjectName(QStringLiteral("workersRestart"));
  connect(m_restart, &QPushButton::clicked, this, &WorkersMode::restartRun);
  auto* close = new QToolButton;
  close->setText(QStringLiteral("✕"));
  close->setAutoRaise(true);
  close->setToolTip(tr("Dismiss"));
  connect(close, &QToolButton::clicked, m_banner, &QFrame::hide);
  auto* layout = new QHBoxLayout(m_banner);
  layout->setContentsMargins(12, 8, 8, 8);
  layout->addWidget(m_bannerText, 1);
  layout->addWidget(m_restart);
  layout->addWidget(close);
  m_banner->hide();
  return m_banner;
}

QWidget* WorkersMode::buildWidget() {
  m_rankView = new QTableView;
  m_rankView->setObjectName(QStringLiteral("workersRanksView"));
  m_rankView->setModel(m_rankModel);
  m_rankView->verticalHeader()->hide();
  m_rankView->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_rankView->setWordWrap(false);
  m_rankView->setTextElideMode(Qt::ElideRight);
  QHeaderView* header = m_rankView->horizontalHeader();
  header->setSectionResizeMode(QHeaderView::ResizeToContents);
  header->setSectionResizeMode(RankTableModel::LastLine, QHeaderView::Stretch);
  header->setMinimumSectionSize(56);
  m_log = new QPlainTextEdit;
  m_log->setObjectName(QStringLiteral("workersLog"));
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(2000);
  m_log->setLineWrapMode(QPlainTextEdit::NoWrap);
  m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  m_log->setPlaceholderText(tr("loom launch's output (mpirun's and the ranks') appears here."));

  auto* lower = new QSplitter(Qt::Vertical);
  lower->addWidget(titledGroup(tr("Ranks"), m_rankView, "workersRanksGroup"));
  lower->addWidget(titledGroup(tr("Log"), m_log, "workersLogGroup"));
  lower->setStretchFactor(0, 2);
  lower->setStretchFactor(1, 3);
  lower->setSizes({230, 400});
  auto* right = new QWidget;
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addWidget(titledGroup(tr("Run"), buildRunPanel(), "workersRunGroup"));
  rightLayout->addWidget(buildBanner());
  rightLayout->addWidget(lower, 1);

  auto* split = new QSplitter(Qt::Horizontal);
  split->setObjectName(QStringLiteral("workersSplit"));
  split->addWidget(titledGroup(tr("Hosts"), m_hosts, "workersHostsGroup"));
  split->addWidget(right);
  split->setStretchFactor(0, 0);
  split->setStretchFactor(1, 1);
  split->setSizes({380, 1040});
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(8, 8, 8, 8);
  layout->addWidget(split);
  return page;
}

void WorkersMode::setStatus(const QString& text, bool error) {
  m_status->setText(text);
  m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
}

void WorkersMode::updateActions() {
  const bool busy = isRunning() || m_preparing;
  m_start->setEnabled(!busy);
  m_stop->setEnabled(isRunning());
  m_checkHosts->setEnabled(!busy && !m_checker->isRunning());
  m_hosts->setEditable(!busy);
  m_restart->setEnabled(!busy);
  for (QSpinBox* b : {m_ranks, m_steps, m_checkpoint, m_threads}) b->setEnabled(!busy);
  m_options->setEnabled(!busy);
  if (busy) m_options->setCursorPosition(0);  // show the options from their start
}

bool WorkersMode::confirmClose(QWidget* parent) {
  if (!isRunning()) return true;
  const auto answer = QMessageBox::question(
      parent, tr("Stop the distributed run?"),
      tr("A distributed run is in progress. Stop it (rank 0 writes a checkpoint) and close?"));
  if (answer != QMessageBox::Yes) return false;
  stopRun();
  return true;
}

void WorkersMode::saveState(QSettings& settings) const {
  QStringList hosts;
  for (const HostfileEntry& h : m_hosts->hosts())
    hosts << QStringLiteral("%1 %2").arg(QString::fromStdString(h.host)).arg(slotCount(h));
  settings.setValue(QStringLiteral("hosts"), hosts);
  settings.setValue(QStringLiteral("steps"), m_steps->value());
  settings.setValue(QStringLiteral("checkpointEvery"), m_checkpoint->value());
  settings.setValue(QStringLiteral("threads"), m_threads->value());
  settings.setValue(QStringLiteral("options"), m_options->text());
}

void WorkersMode::restoreState(QSettings& settings) {
  for (const QString& h : settings.value(QStringLiteral("hosts")).toStringList())
    m_hosts->addHost(h.section(QLatin1Char(' '), 0, 0), h.section(QLatin1Char(' '), 1).toInt());
  m_steps->setValue(settings.value(QStringLiteral("steps"), m_steps->value()).toInt());
  m_checkpoint->setValue(
      settings.value(QStringLiteral("checkpointEvery"), m_checkpoint->value()).toInt());
  m_threads->setValue(settings.value(QStringLiteral("threads"), m_threads->value()).toInt());
  m_options->setText(settings.value(QStringLiteral("options")).toString());
}

}  // namespace loom::studio
