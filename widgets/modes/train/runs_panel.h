// RunsPanel: the run list dock — the log directory (Open…), its problem if any ("no runs"),
// a regular-expression filter over run names, and the runs table (RunListModel through a
// sorting proxy: click a header to sort). A run shows on the charts when it is checked and
// passes the filter; visibleRunsChanged() says so. Export CSV writes every run with its
// hyperparameters and final metrics (run.json) as columns.
#pragma once

#include <QSet>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace loom::studio {

class RunListModel;
class RunStore;

class RunsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit RunsPanel(RunStore* store, QWidget* parent = nullptr);

  QTableView* table() const { return m_table; }
  QLineEdit* filter() const { return m_filter; }
  QLabel* problemLabel() const { return m_problem; }
  RunListModel* model() const { return m_model; }
  /// Checked runs whose name matches the filter (RunStore indices).
  QSet<int> visibleRuns() const;
  /// The run of the table's current row, or else the first row's (RunStore index; -1: none).
  int currentRun() const;
  /// The runs table with hyperparameters and final metrics, as CSV.
  bool exportCsv(const QString& path, QString* error = nullptr) const;

 signals:
  void visibleRunsChanged(const QSet<int>& runs);
  /// currentRun() may have changed (a click, new runs, another log directory).
  void currentRunChanged(int run);

 private:
  void chooseLogDir();
  void showProblem(const QString& problem);

  RunStore* m_store;
  RunListModel* m_model;
  QSortFilterProxyModel* m_proxy;
  QTableView* m_table;
  QLineEdit* m_filter;
  QLabel* m_dir;
  QLabel* m_problem;
};

}  // namespace loom::studio
