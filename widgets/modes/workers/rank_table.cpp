#include "widgets/modes/workers/rank_table.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <algorithm>
#include <cmath>

namespace loom::studio {

namespace {
QString number(double v, int decimals) {
  return std::isnan(v) ? QStringLiteral("–") : QString::number(v, 'f', decimals);
}
}  // namespace

RankTableModel::RankTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void RankTableModel::reset(const QStringList& hosts) {
  beginResetModel();
  m_rows.clear();
  m_batch = 0;
  for (const QString& h : hosts) {
    Row row;
    row.host = h;
    m_rows.append(row);
  }
  endResetModel();
}

void RankTableModel::setBatchSize(double batch) {
  m_batch = batch;
  if (!m_rows.isEmpty())
    emit dataChanged(index(0, SamplesPerSec), index(m_rows.size() - 1, SamplesPerSec));
}

void RankTableModel::setHealth(int rank, double step, double stepMs, double dataWaitMs,
                               double allreduceMs, const QVector<double>& recentBusyMs) {
  if (rank < 0 || rank >= m_rows.size()) return;
  Row& row = m_rows[rank];
  row.step = step;
  row.stepMs = stepMs;
  row.dataWaitMs = dataWaitMs;
  row.allreduceMs = allreduceMs;
  double sum = 0;
  for (double b : recentBusyMs) sum += b;
  row.busyMs = recentBusyMs.isEmpty() ? NAN : sum / recentBusyMs.size();
  if (row.state == State::Starting) row.state = State::Running;
  updateStragglers();
  rowChanged(rank);
}

void RankTableModel::setState(int rank, State state, const QString& detail) {
  if (rank < 0 || rank >= m_rows.size()) return;
  m_rows[rank].state = state;
  m_rows[rank].detail = detail;
  rowChanged(rank);
}

void RankTableModel::endRunning(State state, const QString& detail) {
  for (int r = 0; r < m_rows.size(); ++r)
    if (m_rows[r].state == State::Starting || m_rows[r].state == State::Running)
      setState(r, state, detail);
}

void RankTableModel::appendLine(int rank, const QString& line) {
  if (rank < 0 || rank >= m_rows.size()) return;
  QStringList& lines = m_rows[rank].lines;
  lines.append(line);
  if (lines.size() > kLinesKept) lines.removeFirst();
  emit dataChanged(index(rank, LastLine), index(rank, LastLine));
}

double RankTableModel::samplesPerSecond(int rank) const {
  const double ms = m_rows[rank].stepMs;
  return m_batch > 0 && ms > 0 ? m_batch * 1000.0 / ms : NAN;
}

void RankTableModel::updateStragglers() {
  QVector<double> busy;
  for (const Row& r : m_rows)
    if (!std::isnan(r.busyMs)) busy.append(r.busyMs);
  double median = NAN;
  if (busy.size() >= 2) {
    std::sort(busy.begin(), busy.end());
    const int n = busy.size();
    median = n % 2 ? busy[n / 2] : (busy[n / 2 - 1] + busy[n / 2]) / 2;
  }
  for (int r = 0; r < m_rows.size(); ++r) {
    const bool was = m_rows[r].straggler;
    m_rows[r].straggler = !std::isnan(median) && m_rows[r].busyMs > kStragglerFactor * median;
    if (was != m_rows[r].straggler) rowChanged(r);
  }
}

void RankTableModel::rowChanged(int rank) {
  emit dataChanged(index(rank, 0), index(rank, kColumns - 1));
}

int RankTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : m_rows.size();
}
int RankTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumns;
}

QString RankTableModel::statusText(const Row& row) const {
  QString text;
  switch (row.state) {
    case State::Starting:
      text = tr("starting");
      break;
    case State::Running:
      text = row.straggler ? tr("straggler") : tr("running");
      break;
    case State::Finished:
      text = tr("finished");
      break;
    case State::Stopped:
      text = tr("stopped");
      break;
    case State::Failed:
      text = tr("failed");
      break;
    case State::Ended:
      text = tr("ended by mpirun");
      break;
  }
  return row.detail.isEmpty() ? text : text + QStringLiteral(": ") + row.detail;
}

QVariant RankTableModel::display(int rank, int column) const {
  const Row& row = m_rows[rank];
  switch (static_cast<Column>(column)) {
    case Rank:
      return rank;
    case Host:
      return row.host;
    case Status:
      return statusText(row);
    case Step:
      return number(row.step, 0);
    case StepMs:
      return number(row.stepMs, 2);
    case SamplesPerSec:
      return number(samplesPerSecond(rank), 0);
    case DataWaitMs:
      return number(row.dataWaitMs, 2);
    case AllreduceMs:
      return number(row.allreduceMs, 2);
    case LastLine:
      return row.lines.isEmpty() ? QStringLiteral("–") : row.lines.last();
  }
  return {};
}

QVariant RankTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_rows.size()) return {};
  const Row& row = m_rows[index.row()];
  if (role == Qt::DisplayRole) return display(index.row(), index.column());
  if (role == Qt::ToolTipRole && index.column() == LastLine) return row.lines.join('\n');
  if (role == Qt::ToolTipRole && index.column() == Status) return statusText(row);
  if (role == Qt::TextAlignmentRole && index.column() >= Step && index.column() <= AllreduceMs)
    return int(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::BackgroundRole) {
    if (row.state == State::Failed) return QBrush(QColor(220, 60, 50, 70));
    if (row.straggler && row.state == State::Running) return QBrush(QColor(230, 160, 30, 70));
  }
  if (role == Qt::FontRole && index.column() == Status &&
      (row.state == State::Failed || row.straggler)) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  return {};
}

QVariant RankTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::ToolTipRole && section == SamplesPerSec)
    return tr("The rank's batch over its step time (batch_size × 1000 / step_ms)");
  if (role == Qt::ToolTipRole && section == Status)
    return tr("A straggler's own work (step − allreduce) exceeds %1× the median of all ranks")
        .arg(kStragglerFactor);
  if (role != Qt::DisplayRole) return {};
  static const char* const kTitles[kColumns] = {
      QT_TR_NOOP("Rank"),         QT_TR_NOOP("Host"),         QT_TR_NOOP("Status"),
      QT_TR_NOOP("Step"),         QT_TR_NOOP("Step ms"),      QT_TR_NOOP("Samples/s"),
      QT_TR_NOOP("Data wait ms"), QT_TR_NOOP("Allreduce ms"), QT_TR_NOOP("Last log line")};
  return tr(kTitles[section]);
}

}  // namespace loom::studio
