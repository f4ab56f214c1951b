// The Samples panel's table (sample_table_model.h).
#include "widgets/modes/inspect/sample_table_model.h"

#include <QColor>
#include <QPalette>
#include <algorithm>

namespace loom::studio {

SampleTableModel::SampleTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void SampleTableModel::setSamples(const InspectModelInfo& info) {
  beginResetModel();
  m_predictions = info.predictions;
  m_data = info.data;
  m_classNames = info.classNames;
  m_scores.clear();
  m_thumbs.clear();
  m_rows = filterSamples(m_predictions, m_filter);
  applySort();
  endResetModel();
}

void SampleTableModel::setFilter(const SampleFilter& filter) {
  m_filter = filter;
  refilter();
}

void SampleTableModel::refilter() {
  beginResetModel();
  m_rows = filterSamples(m_predictions, m_filter);
  applySort();
  endResetModel();
}

void SampleTableModel::setScore(int index, double deletionAuc) {
  m_scores.insert(index, deletionAuc);
  const int row = rowOf(index);
  if (row >= 0) emit dataChanged(this->index(row, DeletionAuc), this->index(row, DeletionAuc));
}

void SampleTableModel::clearScores() {
  m_scores.clear();
  if (!m_rows.empty())
    emit dataChanged(index(0, DeletionAuc),
                     index(static_cast<int>(m_rows.size()) - 1, DeletionAuc));
}

const SamplePrediction* SampleTableModel::predictionAt(int row) const {
  if (row < 0 || row >= static_cast<int>(m_rows.size())) return nullptr;
  return &m_predictions[static_cast<size_t>(m_rows[static_cast<size_t>(row)])];
}

int SampleTableModel::rowOf(int index) const {
  for (size_t r = 0; r < m_rows.size(); ++r)
    if (m_predictions[static_cast<size_t>(m_rows[r])].index == index) return static_cast<int>(r);
  return -1;
}

std::vector<int> SampleTableModel::rowIndices() const {
  std::vector<int> out;
  out.reserve(m_rows.size());
  for (int pos : m_rows) out.push_back(m_predictions[static_cast<size_t>(pos)].index);
  return out;
}

int SampleTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SampleTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant SampleTableModel::data(const QModelIndex& idx, int role) const {
  const SamplePrediction* p = predictionAt(idx.row());
  if (!p) return {};
  auto name = [&](int c) {
    return c >= 0 && c < m_classNames.size() ? m_classNames[c] : QString::number(c);
  };
  const int col = idx.column();
  if (role == Qt::UserRole) {
    switch (static_cast<Column>(col)) {
      case Index:
        return p->index;
      case True:
        return p->label;
      case Predicted:
        return p->predicted;
      case Confidence:
        return p->confidence;
      case DeletionAuc:
        return m_scores.contains(p->index) ? QVariant(m_scores.value(p->index)) : QVariant();
      case ColumnCount:
        break;
    }
    return {};
  }
  if (role == Qt::DisplayRole) {
    switch (static_cast<Column>(col)) {
      case Index:
        return p->index;
      case True:
        return name(p->label);
      case Predicted:
        return name(p->predicted);
      case Confidence:
        return QStringLiteral("%1 %").arg(100 * p->confidence, 0, 'f', 1);
      case DeletionAuc:
        return m_scores.contains(p->index) ? QString::number(m_scores.value(p->index), 'f', 3)
                                           : QString();
      case ColumnCount:
        break;
    }
    return {};
  }
  if (role == Qt::DecorationRole && col == Index && m_data) {
    auto it = m_thumbs.find(p->index);
    if (it == m_thumbs.end()) it = m_thumbs.insert(p->index, sampleImage(*m_data, p->index));
    return *it;
  }
  if (role == Qt::ForegroundRole && col == Predicted && p->misclassified())
    return QColor(0xd0, 0x30, 0x30);
  if (role == Qt::TextAlignmentRole && (col == Confidence || col == DeletionAuc || col == Index))
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  if (role == Qt::ToolTipRole)
    return tr("Test sample %1: true %2, predicted %3 with %4 % confidence%5")
        .arg(p->index)
        .arg(name(p->label), name(p->predicted))
        .arg(100 * p->confidence, 0, 'f', 1)
        .arg(p->misclassified() ? tr(" (misclassified)") : QString());
  return {};
}

QVariant SampleTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal) return {};
  if (role == Qt::DisplayRole) {
    switch (static_cast<Column>(section)) {
      case Index:
        return tr("#");  // the thumbnail and index: a narrow column
      case True:
        return tr("True");
      case Predicted:
        return tr("Predicted");
      case Confidence:
        return tr("Conf.");
      case DeletionAuc:
        return tr("Del. AUC");
      case ColumnCount:
        break;
    }
  }
  if (role == Qt::ToolTipRole && section == DeletionAuc)
    return tr(
        "Deletion AUC of the last batch run: the target's probability as the map's top "
        "pixels are deleted; lower means the map found what the model uses");
  return {};
}

void SampleTableModel::sort(int column, Qt::SortOrder order) {
  beginResetModel();
  m_sortColumn = column;
  m_sortOrder = order;
  applySort();
  endResetModel();
}

void SampleTableModel::applySort() {
  const int col = m_sortColumn;
  const bool asc = m_sortOrder == Qt::AscendingOrder;
  auto key = [&](int pos) -> double {
    const SamplePrediction& p = m_predictions[static_cast<size_t>(pos)];
    switch (static_cast<Column>(col)) {
      case Index:
        return p.index;
      case True:
        return p.label;
      case Predicted:
        return p.predicted;
      case Confidence:
        return p.confidence;
      case DeletionAuc:
        return m_scores.value(p.index);
      case ColumnCount:
        break;
    }
    return 0;
  };
  std::stable_sort(m_rows.begin(), m_rows.end(), [&](int a, int b) {
    if (col == DeletionAuc) {  // unscored samples last, in either order
      const bool sa = m_scores.contains(m_predictions[static_cast<size_t>(a)].index);
      const bool sb = m_scores.contains(m_predictions[static_cast<size_t>(b)].index);
      if (sa != sb) return sa;
      if (!sa) return a < b;
    }
    const double ka = key(a), kb = key(b);
    if (ka != kb) return asc ? ka < kb : ka > kb;
    return a < b;
  });
}

}  // namespace loom::studio
