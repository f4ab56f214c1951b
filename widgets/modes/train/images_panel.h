// ImagesPanel: the images of one tag for every visible run in a grid (a row per run) with ONE
// step slider shared by all runs (TensorBoard has one per card): each run shows its images
// logged at the last step at or before the slider's. A/B compare puts two chosen runs side by
// side at the same step, large. Images are decoded by the RunStore's tailer thread.
#pragma once

#include <QSet>
#include <QWidget>
#include <optional>

class QComboBox;
class QGridLayout;
class QLabel;
class QSlider;
class QStackedWidget;

namespace loom::studio {

class RunStore;
struct ImageStep;

class ImagesPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ImagesPanel(RunStore* store, QWidget* parent = nullptr);

  void setVisibleRuns(const QSet<int>& runs);
  QSlider* stepSlider() const { return m_slider; }
  /// The step the slider selects (NaN when there are no images).
  double currentStep() const;
  /// Shows A/B compare of runs `a` and `b` (RunStore indices), or the grid with -1.
  void compare(int a, int b);
  /// Shows the images of `tag`; false (and nothing changes) when no run has that tag yet.
  bool setTag(const QString& tag);

  /// The caption under probe image `sample`: the prediction, and in red with the true label
  /// when wrong, from the trainer's probe/labels table (rich text; empty if `sample` is not
  /// in it).
  static QString probeCaption(const QString& labels, int sample);

 private:
  /// probeCaption() for the run's labels at `step`, when the tag is a probe image.
  QString captionFor(int run, double step) const;
  void syncTags();
  void rebuild();
  void syncSteps();
  const ImageStep* at(int run, double step) const;
  QWidget* tile(int run, double step, int size) const;
  bool shows(int run) const { return !m_visible || m_visible->contains(run); }

  RunStore* m_store;
  std::optional<QSet<int>> m_visible;
  QComboBox* m_tags;
  QComboBox* m_a;
  QComboBox* m_b;
  QSlider* m_slider;
  QLabel* m_stepLabel;
  QStackedWidget* m_pages;
  QWidget* m_grid;
  QWidget* m_compare;
  QVector<double> m_steps;  // union of the tag's logged steps, sorted
  bool m_queued = false;
};

}  // namespace loom::studio
