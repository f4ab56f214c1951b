// SampleTableModel: the test samples the Samples panel lists — one row per sample that passes
// the filter, with its thumbnail, true and predicted class, confidence and (after a batch run)
// its deletion AUC. Sorting is by any column (Qt::ItemDataRole::UserRole gives the raw value);
// samples without a score sort after those with one whatever the order.
#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QImage>
#include <QStringList>
#include <memory>
#include <vector>

#include "widgets/modes/inspect/inspect_types.h"

namespace loom::studio {

class SampleTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Index, True, Predicted, Confidence, DeletionAuc, ColumnCount };

  explicit SampleTableModel(QObject* parent = nullptr);

  /// Replaces every sample (a new load); clears the scores, keeps the filter.
  void setSamples(const InspectModelInfo& info);
  void setFilter(const SampleFilter& filter);
  const SampleFilter& filter() const { return m_filter; }
  /// The deletion AUC of test sample `index` (a batch result), shown and sortable.
  void setScore(int index, double deletionAuc);
  void clearScores();
  bool hasScore(int index) const { return m_scores.contains(index); }
  double score(int index) const { return m_scores.value(index); }

  /// The prediction shown in `row` (null outside the rows).
  const SamplePrediction* predictionAt(int row) const;
  /// The row showing test sample `index`, or -1 when it is filtered out.
  int rowOf(int index) const;
  /// Every listed sample (all predictions, unfiltered).
  const std::vector<SamplePrediction>& all() const { return m_predictions; }
  /// Test indices of the rows, in row order.
  std::vector<int> rowIndices() const;
  const QStringList& classNames() const { return m_classNames; }
  int sortColumn() const { return m_sortColumn; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

 private:
  void refilter();
  void applySort();

  std::vector<SamplePrediction> m_predictions;
  std::shared_ptr<const loom::Dataset> m_data;
  QStringList m_classNames;
  SampleFilter m_filter;
  std::vector<int> m_rows;  // positions into m_predictions
  QHash<int, double> m_scores;
  mutable QHash<int, QImage> m_thumbs;  // by test index, made on first display
  int m_sortColumn = Index;
  Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

}  // namespace loom::studio
