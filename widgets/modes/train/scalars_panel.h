// ScalarsPanel: the dashboard's scalar charts — one ScalarChart per tag in the RunStore (a
// grid, filtered by a regular expression over tags) and the controls they share: smoothing
// (TensorBoard's debiased EMA or a centred moving average, and its strength), the x axis
// (step, relative, wall time), log y, raw curves on/off. Owns the Decimator thread all its
// charts use. Right-click on a chart: Export PNG… / Export CSV… / Fit.
#pragma once

#include <QHash>
#include <QSet>
#include <QThread>
#include <QWidget>

#include "widgets/modes/train/scalar_chart.h"

class QComboBox;
class QCheckBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QSlider;

namespace loom::studio {

class Decimator;
class RunStore;

class ScalarsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ScalarsPanel(RunStore* store, QWidget* parent = nullptr);
  ~ScalarsPanel() override;

  /// The chart of `tag`, or null.
  ScalarChart* chart(const QString& tag) const { return m_charts.value(tag); }
  QList<ScalarChart*> charts() const { return m_charts.values(); }
  ChartSettings settings() const { return m_settings; }
  void setSettings(const ChartSettings& settings);
  /// Shows only these runs (the run list's checked, filtered runs).
  void setVisibleRuns(const QSet<int>& runs);
  QLineEdit* tagFilter() const { return m_tagFilter; }

 private:
  void syncCharts();
  /// syncCharts() on the next event-loop pass, once however many tags changed meanwhile (a
  /// big run's first update names 20 new tags at once: one chart per pass, not 20 at once).
  void scheduleSync();
  void relayout();
  void readControls();
  void chartMenu(ScalarChart* chart, const QPoint& pos);

  RunStore* m_store;
  QThread m_thread;
  Decimator* m_decimator;
  ChartSettings m_settings;
  std::optional<QSet<int>> m_visible;
  QHash<QString, ScalarChart*> m_charts;
  bool m_syncScheduled = false;
  QWidget* m_grid;
  QGridLayout* m_gridLayout;
  QLabel* m_empty;
  QComboBox* m_smoothingKind;
  QSlider* m_smoothing;
  QLabel* m_smoothingLabel;
  QComboBox* m_xAxis;
  QCheckBox* m_logY;
  QCheckBox* m_raw;
  QLineEdit* m_tagFilter;
};

}  // namespace loom::studio
