#include "widgets/modes/train/run_list_model.h"

#include <QColor>
#include <QIcon>
#include <QPixmap>
#include <cmath>

#include "widgets/modes/train/run_store.h"

namespace loom::studio {

QString formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return {};
  const qint64 s = qint64(std::llround(seconds));
  if (s >= 3600)
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
  if (s >= 60) return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60);
  return QStringLiteral("%1 s").arg(s);
}

RunListModel::RunListModel(RunStore* store, QObject* parent)
    : QAbstractTableModel(parent), m_store(store) {
  connect(store, &RunStore::runAdded, this, [this](int index) {
    beginInsertRows({}, index, index);
    endInsertRows();
    emit checkedChanged();
  });
  connect(store, &RunStore::runChanged, this, [this](int index) {
    emit dataChanged(this->index(index, 0), this->index(index, ColumnCount - 1));
  });
  connect(store, &RunStore::runsReset, this, [this] {
    beginResetModel();
    m_unchecked.clear();
    endResetModel();
    emit checkedChanged();
  });
}

int RunListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : m_store->count();
}

int RunListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  switch (static_cast<Column>(section)) {
    case Name:
      return tr("Run");
    case Status:
      return tr("Status");
    case Model:
      return tr("Model");
    case Duration:
      return tr("Duration");
    case Best:
      return tr("Best %1").arg(m_store->bestTag());
    case Problem:
      return tr("Problem");
    case ColumnCount:
      break;
  }
  return {};
}

QVariant RunListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_store->count()) return {};
  const RunRecord& r = m_store->run(index.row());
  const auto column = static_cast<Column>(index.column());
  const double duration = r.lastWall - r.startWall;
  if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
    switch (column) {
      case Name:
        return r.live && role == Qt::DisplayRole ? r.name + tr(" (this studio)") : r.name;
      case Status:
        return r.status.isEmpty() ? tr("unknown") : r.status;
      case Model:
        return r.model;
      case Duration:
        return formatDuration(duration);
      case Best:
        return r.best ? QString::number(*r.best, 'g', 5) : QString();
      case Problem:
        return r.problem;
      case ColumnCount:
        break;
    }
  }
  if (role == Qt::UserRole) {  // sort keys
    switch (column) {
      case Duration:
        return std::isfinite(duration) ? duration : -1.0;
      case Best:
        return r.best ? *r.best : -INFINITY;
      default:
        return data(index, Qt::DisplayRole);
    }
  }
  if (role == Qt::DecorationRole && column == Name) {
    QPixmap swatch(12, 12);
    swatch.fill(r.colour);
    return QIcon(swatch);
  }
  if (role == Qt::CheckStateRole && column == Name)
    return m_unchecked.contains(index.row()) ? Qt::Unchecked : Qt::Checked;
  if (role == Qt::ForegroundRole &&
      (column == Problem || (column == Status && !r.problem.isEmpty())))
    return QColor(0xc0392b);
  return {};
}

bool RunListModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (role != Qt::CheckStateRole || index.column() != Name) return false;
  if (value.toInt() == Qt::Checked)
    m_unchecked.remove(index.row());
  else
    m_unchecked.insert(index.row());
  emit dataChanged(index, index, {Qt::CheckStateRole});
  emit checkedChanged();
  return true;
}

Qt::ItemFlags RunListModel::flags(const QModelIndex& index) const {
  Qt::ItemFlags f = QAbstractTableModel::flags(index);
  if (index.column() == Name) f |= Qt::ItemIsUserCheckable;
  return f;
}

QSet<int> RunListModel::checkedRuns() const {
  QSet<int> runs;
  for (int i = 0; i < m_store->count(); ++i)
    if (!m_unchecked.contains(i)) runs.insert(i);
  return runs;
}

}  // namespace loom::studio
