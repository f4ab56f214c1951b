// RunListModel: the RunStore's runs as a table model — one row per run, columns Name, Status,
// Model, Duration, Best (the store's best-metric tag), Problem; the Name cell carries the
// run's colour (decoration) and a check box (shown on the charts or not). Sorting and the
// regular-expression filter are a QSortFilterProxyModel over it (RunsPanel). Rows follow the
// store (runAdded / runChanged / runsReset).
#pragma once

#include <QAbstractTableModel>
#include <QSet>

namespace loom::studio {

class RunStore;

class RunListModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Name, Status, Model, Duration, Best, Problem, ColumnCount };

  explicit RunListModel(RunStore* store, QObject* parent = nullptr);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  /// RunStore indices of the checked runs.
  QSet<int> checkedRuns() const;

 signals:
  void checkedChanged();

 private:
  RunStore* m_store;
  QSet<int> m_unchecked;
};

/// "1 h 02 min", "3 min 20 s", "12 s"; "" for NaN.
QString formatDuration(double seconds);

}  // namespace loom::studio
