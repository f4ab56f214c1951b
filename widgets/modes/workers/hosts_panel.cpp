#include "widgets/modes/workers/hosts_panel.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "widgets/modes/workers/host_sources.h"

namespace loom::studio {

namespace {
QPushButton* button(const QString& text, const QString& name, const QString& tip) {
  auto* b = new QPushButton(text);
  b->setObjectName(name);
  b->setToolTip(tip);
  return b;
}
}  // namespace

HostsPanel::HostsPanel(QWidget* parent)
    : QWidget(parent),
      m_table(new QTableWidget(0, 3)),
      m_edit(new QLineEdit),
      m_problem(new QLabel),
      m_requirements(new QLabel) {
  m_table->setObjectName(QStringLiteral("workersHosts"));
  m_table->setHorizontalHeaderLabels({tr("Host"), tr("Slots"), tr("Check")});
  m_table->verticalHeader()->hide();
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setWordWrap(true);
  m_table->horizontalHeader()->setSectionResizeMode(HostColumn, QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(SlotsColumn, QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(CheckColumn, QHeaderView::Stretch);
  m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_edit->setObjectName(QStringLiteral("workersHostEdit"));
  m_edit->setPlaceholderText(tr("host name or address"));
  m_add = button(tr("Add"), QStringLiteral("workersAddHost"), tr("Add the host typed in"));
  m_remove =
      button(tr("Remove"), QStringLiteral("workersRemoveHost"), tr("Remove the selected hosts"));
  m_check = button(tr("Check Hosts"), QStringLiteral("workersCheckHosts"),
                   tr("ssh reachable, the same loom installed, the dataset present"));
  auto* hostfile = button(tr("Hostfile…"), QStringLiteral("workersHostfile"),
                          tr("Add the hosts of an Open MPI hostfile"));
  auto* ssh = button(tr("ssh Config…"), QStringLiteral("workersSshConfig"),
                     tr("Add the Host names of an ssh config"));
  auto* slurm = button(tr("Slurm…"), QStringLiteral("workersSlurm"),
                       tr("Add the nodes of a Slurm partition (sinfo)"));
  m_sources = {m_add, m_remove, hostfile, ssh, slurm};
  m_problem->setObjectName(QStringLiteral("workersHostProblem"));
  m_problem->setWordWrap(true);
  m_problem->setStyleSheet(QStringLiteral("color: #c0392b;"));
  m_problem->hide();

  connect(m_add, &QPushButton::clicked, this, [this] {
    if (addHost(m_edit->text().trimmed())) m_edit->clear();
  });
  connect(m_edit, &QLineEdit::returnPressed, m_add, &QPushButton::click);
  connect(m_remove, &QPushButton::clicked, this, &HostsPanel::removeSelected);
  connect(m_check, &QPushButton::clicked, this, &HostsPanel::checkRequested);
  connect(hostfile, &QPushButton::clicked, this, &HostsPanel::chooseHostfile);
  connect(ssh, &QPushButton::clicked, this, &HostsPanel::chooseSshConfig);
  connect(slurm, &QPushButton::clicked, this, &HostsPanel::askPartition);
  connect(m_table, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() == SlotsColumn) emit hostsChanged();
  });

  auto* addRow = new QHBoxLayout;
  addRow->addWidget(m_edit, 1);
  addRow->addWidget(m_add);
  auto* sourceRow = new QHBoxLayout;
  for (QPushButton* b : {hostfile, ssh, slurm}) sourceRow->addWidget(b);
  auto* actionRow = new QHBoxLayout;
  actionRow->addWidget(m_remove);
  actionRow->addStretch(1);
  actionRow->addWidget(m_check);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(addRow);
  layout->addLayout(sourceRow);
  layout->addWidget(m_table, 1);
  layout->addWidget(m_problem);
  m_requirements->setObjectName(QStringLiteral("workersRequirements"));
  m_requirements->setWordWrap(true);
  m_requirements->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_requirements->setForegroundRole(QPalette::PlaceholderText);
  layout->addWidget(m_requirements);
  layout->addLayout(actionRow);
}

QString HostsPanel::problem() const {
  return m_problem->text();
}

void HostsPanel::setProblem(const QString& text) {
  m_problem->setText(text);
  m_problem->setVisible(!text.isEmpty());
}

int HostsPanel::rowOf(const QString& host) const {
  for (int r = 0; r < m_table->rowCount(); ++r)
    if (m_table->item(r, HostColumn)->text() == host) return r;
  return -1;
}

bool HostsPanel::addHost(const QString& host, int ranks) {
  if (Status st = checkTypedHost(host); !st) {
    setProblem(QString::fromStdString(st.message()));
    return false;
  }
  setProblem({});
  if (rowOf(host) >= 0) return true;
  const int row = m_table->rowCount();
  m_table->insertRow(row);
  auto* name = new QTableWidgetItem(host);
  name->setFlags(name->flags() & ~Qt::ItemIsEditable);
  auto* count = new QTableWidgetItem;
  count->setData(Qt::EditRole, std::max(1, ranks));
  count->setToolTip(tr("Ranks this host runs (Open MPI slots); double-click to edit"));
  auto* check = new QTableWidgetItem(tr("not checked"));
  check->setFlags(check->flags() & ~Qt::ItemIsEditable);
  check->setForeground(palette().placeholderText());
  m_table->setItem(row, HostColumn, name);
  m_table->setItem(row, SlotsColumn, count);
  m_table->setItem(row, CheckColumn, check);
  emit hostsChanged();
  return true;
}

bool HostsPanel::addHostfile(const QString& path) {
  auto hosts = readHostfile(path.toStdString());
  if (!hosts) {
    setProblem(QString::fromStdString(hosts.status().message()));
    return false;
  }
  for (const HostfileEntry& h : *hosts) addHost(QString::fromStdString(h.host), slotCount(h));
  return true;
}

int HostsPanel::addSshConfig(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    setProblem(tr("Cannot read %1: %2").arg(path, file.errorString()));
    return 0;
  }
  const QStringList names = hostsInSshConfig(QString::fromUtf8(file.readAll()));
  int added = 0;
  for (const QString& n : names) added += rowOf(n) < 0 && addHost(n);
  if (names.isEmpty()) setProblem(tr("%1 names no concrete host (only patterns)").arg(path));
  return added;
}

void HostsPanel::addSlurmPartition(const QString& partition) {
  if (m_sinfo) return;
  m_sinfo = new QProcess(this);
  connect(m_sinfo, &QProcess::finished, this, [this, partition](int code, QProcess::ExitStatus) {
    const QString out = QString::fromUtf8(m_sinfo->readAllStandardOutput());
    const QString err = QString::fromUtf8(m_sinfo->readAllStandardError()).trimmed();
    m_sinfo->deleteLater();
    m_sinfo = nullptr;
    const QStringList nodes = nodesInSinfoOutput(out);
    if (code != 0 || nodes.isEmpty()) {
      const QString why = code != 0 ? tr("sinfo exited %1: %2").arg(code).arg(err)
                                    : tr("partition %1 has no nodes").arg(partition);
      setProblem(why);
      emit slurmFinished(false, why);
      return;
    }
    for (const QString& n : nodes) addHost(n);
    emit slurmFinished(true,
                       tr("%n node(s) of partition %1", nullptr, nodes.size()).arg(partition));
  });
  connect(m_sinfo, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    const QString why =
        tr("cannot run sinfo (install slurm-client): %1").arg(m_sinfo->errorString());
    m_sinfo->deleteLater();
    m_sinfo = nullptr;
    setProblem(why);
    emit slurmFinished(false, why);
  });
  m_sinfo->start(QStringLiteral("sinfo"), sinfoArguments(partition));
}

void HostsPanel::removeSelected() {
  QList<int> rows;
  for (const QModelIndex& i : m_table->selectionModel()->selectedRows()) rows << i.row();
  std::sort(rows.begin(), rows.end(), std::greater<>());
  for (int r : rows) m_table->removeRow(r);
  if (!rows.isEmpty()) emit hostsChanged();
}

void HostsPanel::clear() {
  m_table->setRowCount(0);
  emit hostsChanged();
}

std::vector<HostfileEntry> HostsPanel::hosts() const {
  std::vector<HostfileEntry> out;
  for (int r = 0; r < m_table->rowCount(); ++r)
    out.push_back({m_table->item(r, HostColumn)->text().toStdString(),
                   std::max(1, m_table->item(r, SlotsColumn)->data(Qt::EditRole).toInt()), r + 1});
  return out;
}

int HostsPanel::totalSlots() const {
  int n = 0;
  for (const HostfileEntry& h : hosts()) n += slotCount(h);
  return n;
}

void HostsPanel::setCheckResult(const QString& host, const QString& text, bool ok, bool pending) {
  const int row = rowOf(host);
  if (row < 0) return;
  QTableWidgetItem* item = m_table->item(row, CheckColumn);
  item->setText(ok && !pending ? QStringLiteral("✓ ") + text
                               : (pending ? text : QStringLiteral("✗ ") + text));
  item->setToolTip(text);
  item->setForeground(pending ? palette().placeholderText()
                              : QBrush(ok ? QColor(0x2e, 0x9d, 0x4f) : QColor(0xd0, 0x3b, 0x2f)));
}

void HostsPanel::setEditable(bool editable) {
  for (QPushButton* b : m_sources) b->setEnabled(editable);
  m_edit->setEnabled(editable);
  m_check->setEnabled(editable);
  m_table->setEditTriggers(editable ? QAbstractItemView::DoubleClicked |
                                          QAbstractItemView::EditKeyPressed
                                    : QAbstractItemView::NoEditTriggers);
}

void HostsPanel::setRequirements(const QString& remoteShell, const QString& loom,
                                 const QString& version, const QString& dataset) {
  m_requirements->setText(
      tr("<p style='margin:0'>Every host needs:</p>"
         "<ul style='margin:2px 0 0 -24px'><li>a login without a password through "
         "<code>%1</code></li><li><code>%2</code> at <code>%3</code></li>"
         "<li>the dataset at <code>%4</code></li></ul>")
          .arg(remoteShell.toHtmlEscaped(), version.toHtmlEscaped(), loom.toHtmlEscaped(),
               dataset.isEmpty() ? tr("(none)") : dataset.toHtmlEscaped()));
}

void HostsPanel::chooseHostfile() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open Hostfile"));
  if (!path.isEmpty()) addHostfile(path);
}

void HostsPanel::chooseSshConfig() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open ssh Config"), QDir::home().filePath(QStringLiteral(".ssh/config")));
  if (!path.isEmpty()) addSshConfig(path);
}

void HostsPanel::askPartition() {
  bool ok = false;
  const QString p = QInputDialog::getText(this, tr("Slurm Partition"), tr("Partition:"),
                                          QLineEdit::Normal, {}, &ok);
  if (ok && !p.trimmed().isEmpty()) addSlurmPartition(p.trimmed());
}

}  // namespace loom::studio
