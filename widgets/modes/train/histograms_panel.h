// HistogramsPanel: the histograms of one tag (a parameter, its gradient, a node's activation)
// for every visible run, overlaid in the runs' colours — something TensorBoard cannot do.
//   Ridgelines: one density outline per logged step, offset upwards with the step (older
//     steps lower, newest on top), filled faintly.
//   Distributions: percentile bands over steps (TensorBoard's 0/6.7/15.9/30.9/50/69.1/84.1/
//     93.3/100 %, series_math.h), nested bands in the run's colour, the median as a line.
// Renders what the RunStore holds; the few hundred points per run it draws are derived on
// the GUI thread (histograms are small: ~30 buckets per step).
#pragma once

#include <QSet>
#include <QWidget>
#include <optional>

class QComboBox;
class QCustomPlot;
class QLabel;

namespace loom::studio {

class RunStore;

class HistogramsPanel : public QWidget {
  Q_OBJECT

 public:
  enum class View { Ridgelines, Distributions };
  explicit HistogramsPanel(RunStore* store, QWidget* parent = nullptr);

  void setVisibleRuns(const QSet<int>& runs);
  void setTag(const QString& tag);
  void setView(View view);
  QString tag() const;
  QCustomPlot* plot() const { return m_plot; }

 private:
  void syncTags();
  void redraw();
  void drawRidgelines();
  void drawDistributions();
  bool shows(int run) const { return !m_visible || m_visible->contains(run); }

  RunStore* m_store;
  std::optional<QSet<int>> m_visible;
  QComboBox* m_tags;
  QComboBox* m_view;
  QLabel* m_empty;
  QCustomPlot* m_plot;
  bool m_redrawQueued = false;
};

}  // namespace loom::studio
