// ParityTable: the parity check's results, one row per output and batch size (max abs and rel
// difference against the tolerance, top-1 of both runtimes, pass/FAIL), and a verdict line
// above it. Shows what loom::ExportJobReport holds; computes nothing.
#pragma once

#include <QWidget>

class QLabel;
class QTableWidget;

namespace loom {
struct ExportJobReport;
}

namespace loom::studio {

class ParityTable : public QWidget {
  Q_OBJECT

 public:
  explicit ParityTable(QWidget* parent = nullptr);

  /// Shows `report`'s parity results (or why the check did not run).
  void showReport(const ExportJobReport& report);
  /// Empties the table and shows `message` as the verdict ("Exporting…").
  void clear(const QString& message);

  QTableWidget* table() const { return m_table; }
  QLabel* verdict() const { return m_verdict; }

 private:
  QLabel* m_verdict;
  QTableWidget* m_table;
};

}  // namespace loom::studio
