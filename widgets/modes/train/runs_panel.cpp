#include "widgets/modes/train/runs_panel.h"

#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTextStream>
#include <QVBoxLayout>
#include <map>

#include "widgets/modes/train/run_list_model.h"
#include "widgets/modes/train/run_store.h"

namespace loom::studio {

namespace {
QString csvField(QString s) {
  if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n')))
    s = QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
  return s;
}
}  // namespace

RunsPanel::RunsPanel(RunStore* store, QWidget* parent)
    : QWidget(parent),
      m_store(store),
      m_model(new RunListModel(store, this)),
      m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView),
      m_filter(new QLineEdit),
      m_dir(new QLabel),
      m_problem(new QLabel) {
  m_proxy->setSourceModel(m_model);
  m_proxy->setSortRole(Qt::UserRole);
  m_proxy->setFilterKeyColumn(RunListModel::Name);
  m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
  m_table->setObjectName(QStringLiteral("runsTable"));
  m_table->setModel(m_proxy);
  m_table->setSortingEnabled(true);
  m_table->sortByColumn(RunListModel::Name, Qt::AscendingOrder);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->horizontalHeader()->setSectionResizeMode(RunListModel::Name,
                                                    QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(RunListModel::Best,
                                                    QHeaderView::ResizeToContents);
  m_table->setAlternatingRowColors(true);
  m_table->setWordWrap(false);
  m_filter->setObjectName(QStringLiteral("runFilter"));
  m_filter->setPlaceholderText(tr("Filter runs (regular expression)"));
  m_filter->setClearButtonEnabled(true);
  m_dir->setObjectName(QStringLiteral("logDirLabel"));
  m_dir->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_dir->setText(tr("No log directory"));
  m_problem->setObjectName(QStringLiteral("logDirProblem"));
  m_problem->setWordWrap(true);
  m_problem->setStyleSheet(QStringLiteral("color: #c0392b;"));
  m_problem->hide();

  auto* open = new QPushButton(tr("Open…"));
  open->setObjectName(QStringLiteral("openLogDir"));
  open->setToolTip(tr("Open a log directory (as tensorboard --logdir)"));
  connect(open, &QPushButton::clicked, this, &RunsPanel::chooseLogDir);
  auto* exportButton = new QPushButton(tr("Export CSV…"));
  connect(exportButton, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export Runs"), QStringLiteral("runs.csv"), tr("CSV files (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportCsv(path, &error))
      QMessageBox::warning(this, tr("Export Runs"), error);
  });

  auto* top = new QHBoxLayout;
  top->addWidget(m_dir, 1);
  top->addWidget(open);
  auto* bottom = new QHBoxLayout;
  bottom->addWidget(m_filter, 1);
  bottom->addWidget(exportButton);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_problem);
  layout->addLayout(bottom);
  layout->addWidget(m_table, 1);

  connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& text) {
    const QRegularExpression re(text, QRegularExpression::CaseInsensitiveOption);
    m_filter->setStyleSheet(re.isValid() ? QString() : QStringLiteral("color: #c0392b;"));
    m_filter->setToolTip(re.isValid() ? QString() : re.errorString());
    if (re.isValid()) m_proxy->setFilterRegularExpression(re);
    emit visibleRunsChanged(visibleRuns());
  });
  connect(m_model, &RunListModel::checkedChanged, this,
          [this] { emit visibleRunsChanged(visibleRuns()); });
  connect(store, &RunStore::logDirProblemChanged, this, &RunsPanel::showProblem);
  connect(store, &RunStore::runsReset, this, [this] {
    m_dir->setText(m_store->logDir().isEmpty() ? tr("No log directory") : m_store->logDir());
    m_dir->setToolTip(m_store->logDir());
    emit currentRunChanged(currentRun());
  });
  connect(store, &RunStore::runAdded, this, [this] { emit currentRunChanged(currentRun()); });
  connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this] { emit currentRunChanged(currentRun()); });
}

int RunsPanel::currentRun() const {
  QModelIndex index = m_table->currentIndex();
  if (!index.isValid()) index = m_proxy->index(0, 0);
  return index.isValid() ? m_proxy->mapToSource(index).row() : -1;
}

void RunsPanel::showProblem(const QString& problem) {
  m_problem->setText(problem);
  m_problem->setVisible(!problem.isEmpty());
}

void RunsPanel::chooseLogDir() {
  const QString dir =
      QFileDialog::getExistingDirectory(this, tr("Open Log Directory"), m_store->logDir());
  if (!dir.isEmpty()) m_store->setLogDir(dir);
}

QSet<int> RunsPanel::visibleRuns() const {
  QSet<int> runs;
  const QSet<int> checked = m_model->checkedRuns();
  for (int row = 0; row < m_proxy->rowCount(); ++row) {
    const int run = m_proxy->mapToSource(m_proxy->index(row, 0)).row();
    if (checked.contains(run)) runs.insert(run);
  }
  return runs;
}

bool RunsPanel::exportCsv(const QString& path, QString* error) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  std::map<QString, int> numeric, text;  // sorted column names
  for (int i = 0; i < m_store->count(); ++i) {
    for (auto it = m_store->run(i).hparams.begin(); it != m_store->run(i).hparams.end(); ++it)
      numeric[it.key()] = 0;
    for (auto it = m_store->run(i).textParams.begin(); it != m_store->run(i).textParams.end(); ++it)
      text[it.key()] = 0;
  }
  QTextStream out(&file);
  QStringList header = {QStringLiteral("run"), QStringLiteral("status"), QStringLiteral("model"),
                        QStringLiteral("duration_s"), QStringLiteral("best")};
  for (const auto& [k, _] : text) header << k;
  for (const auto& [k, _] : numeric) header << k;
  out << header.join(QLatin1Char(',')) << '\n';
  for (int i = 0; i < m_store->count(); ++i) {
    const RunRecord& r = m_store->run(i);
    QStringList row = {csvField(r.name), csvField(r.status), csvField(r.model),
                       std::isfinite(r.lastWall - r.startWall)
                           ? QString::number(r.lastWall - r.startWall, 'g', 10)
                           : QString(),
                       r.best ? QString::number(*r.best, 'g', 17) : QString()};
    for (const auto& [k, _] : text) row << csvField(r.textParams.value(k));
    for (const auto& [k, _] : numeric)
      row << (r.hparams.contains(k) ? QString::number(r.hparams.value(k), 'g', 17) : QString());
    out << row.join(QLatin1Char(',')) << '\n';
  }
  out.flush();
  return file.error() == QFileDevice::NoError;
}

}  // namespace loom::studio
