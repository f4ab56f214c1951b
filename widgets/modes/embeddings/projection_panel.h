// ProjectionPanel (the "Projection" dock): the method (engine/embed's projectionNames(), the one
// list), output dimensions and the method's main settings (engine defaults shown), Run / Cancel,
// and the live progress the ProjectionJob reports (stage, done/total, t-SNE's KL estimate).
#pragma once

#include <QWidget>

#include "engine/embed/trajectory.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace loom::studio {

class ProjectionPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ProjectionPanel(QWidget* parent = nullptr);

  /// The settings shown, as the engine takes them (defaults where a field is not shown), on all
  /// cores but one (QThread::idealThreadCount() - 1, at least 1).
  embed::ProjectionOptions options() const;
  /// Buttons and fields while a projection runs (Run off, Cancel on) or not.
  void setRunning(bool running);
  void showProgress(const QString& stage, qint64 done, qint64 total, double value);
  void showMessage(const QString& text, bool error);

  QComboBox* methodBox() const { return m_method; }
  QSpinBox* componentsBox() const { return m_components; }
  QDoubleSpinBox* perplexityBox() const { return m_perplexity; }
  QSpinBox* iterationsBox() const { return m_iterations; }
  QSpinBox* neighborsBox() const { return m_neighbors; }
  QPushButton* runButton() const { return m_run; }
  QPushButton* cancelButton() const { return m_cancel; }
  QProgressBar* progressBar() const { return m_progress; }

 signals:
  void runRequested();
  void cancelRequested();

 private:
  void updateFields();

  QComboBox* m_method;
  QSpinBox* m_components;
  QDoubleSpinBox* m_perplexity;
  QSpinBox* m_iterations;
  QSpinBox* m_neighbors;
  QPushButton* m_run;
  QPushButton* m_cancel;
  QProgressBar* m_progress;
  QLabel* m_status;
};

}  // namespace loom::studio
