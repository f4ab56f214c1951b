// ConfusionPanel: the dashboard's Confusion tab. The confusion matrix of one run at one
// epoch, as a heat map, and its per-class precision, recall, F1 and support with accuracy and
// the macro and weighted averages (scikit-learn's classification_report, computed by the
// engine's summarizeConfusion, engine/events/confusion.h).
//
//   run   [combo: visible runs that logged a confusion matrix]
//   split [combo: validation (every epoch), test (end of the run)]
//   epoch [slider over the logged matrices, newest by default; it follows new epochs while
//          it sits on the newest]
//
// The heat map (ConfusionMatrixView) draws rows = true class, columns = predicted class, the
// count in each cell and a colour scaled by the cell's share of its row (the row-normalised
// matrix, so rare classes are as readable as common ones); hovering a cell tells the counts.
//
// Renders what the RunStore holds (the trainer's "confusion_matrix/<split>" text values,
// docs/runs.md); it never reads a file. Redraws are coalesced to one per event-loop pass.
#pragma once

#include <QSet>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <optional>

#include "engine/events/confusion.h"

class QComboBox;
class QLabel;
class QSlider;
class QTableWidget;

namespace loom::studio {

class RunStore;

/// The heat map of one confusion matrix (a plain QWidget painted with QPainter).
class ConfusionMatrixView : public QWidget {
  Q_OBJECT

 public:
  explicit ConfusionMatrixView(QWidget* parent = nullptr);

  /// Shows `counts` (classes × classes, row = true class, row-major); empty clears.
  void setMatrix(const QStringList& classes, const QVector<qint64>& counts);
  int classCount() const { return m_classes.size(); }
  const QStringList& classes() const { return m_classes; }
  qint64 count(int row, int column) const;
  /// The cell's share of its row in [0, 1] (0 for an empty row): what the colour encodes.
  double rowFraction(int row, int column) const;
  /// The fill colour of a cell (tests check that it follows rowFraction).
  QColor cellColour(int row, int column) const;

  QSize sizeHint() const override { return {560, 520}; }
  QSize minimumSizeHint() const override { return {240, 220}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;

 private:
  struct Geometry {
    QRectF grid;  ///< the cells
    double cell = 0;
  };
  Geometry geometry() const;
  /// The (row, column) under `pos`, or (-1, -1).
  QPoint cellAt(const QPointF& pos) const;

  QStringList m_classes;
  QVector<qint64> m_counts;
  QVector<qint64> m_rowSums;
};

class ConfusionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ConfusionPanel(RunStore* store, QWidget* parent = nullptr);

  void setVisibleRuns(const QSet<int>& runs);

  // ---- driving (tests, screenshots) ----
  /// Shows the run at store index `run` (it must have a confusion matrix); false otherwise.
  bool setRun(int run);
  int run() const;  ///< the store index shown, -1 when none
  /// "confusion_matrix/validation" or "confusion_matrix/test"; false when the run has none.
  bool setTag(const QString& tag);
  QString tag() const;
  /// The logged matrices of the run's tag (one per epoch for validation).
  int entryCount() const;
  void setEntry(int index);
  int entry() const;
  /// The step and (when the run logged "epoch" at that step) the 1-based epoch shown.
  double shownStep() const { return m_shownStep; }
  std::optional<int> shownEpoch() const { return m_shownEpoch; }

  /// What is shown: the engine's summary of the current matrix.
  const events::ConfusionSummary& summary() const { return m_summary; }
  ConfusionMatrixView* matrix() const { return m_matrix; }
  QTableWidget* table() const { return m_table; }
  QComboBox* runBox() const { return m_runs; }
  QComboBox* tagBox() const { return m_tags; }
  QSlider* epochSlider() const { return m_slider; }
  QLabel* epochLabel() const { return m_epochLabel; }

 private:
  void queueSync();
  void syncRuns();
  void syncTags();
  void syncSlider();
  void showEntry();
  void fillTable();
  void setMessage(const QString& text);
  bool hasConfusion(int run) const;
  bool shows(int run) const { return !m_visible || m_visible->contains(run); }

  RunStore* m_store;
  std::optional<QSet<int>> m_visible;
  QComboBox* m_runs;
  QComboBox* m_tags;
  QSlider* m_slider;
  QLabel* m_epochLabel;
  QLabel* m_message;
  QLabel* m_accuracy;
  ConfusionMatrixView* m_matrix;
  QTableWidget* m_table;
  events::ConfusionSummary m_summary;
  double m_shownStep = 0;
  std::optional<int> m_shownEpoch;
  bool m_syncQueued = false;
};

}  // namespace loom::studio
