// StatusSummary: the status bar's model totals and the batch size they are computed at.
//
// Shows trainable parameters (and their bytes with buffers), forward FLOPs for one batch and
// activation memory for one batch, from Document::analysis(). The batch spin box sets
// Document::setAnalysisBatch (not an edit of the model: no undo step, not saved).
#pragma once

#include <QWidget>

class QLabel;
class QSpinBox;

namespace loom::studio {

class Document;

class StatusSummary : public QWidget {
  Q_OBJECT

 public:
  explicit StatusSummary(Document* document, QWidget* parent = nullptr);

  QSpinBox* batchSpin() const { return m_batch; }
  /// The totals text shown now (tests).
  QString text() const;

 private:
  void refresh();
  Document* m_doc;
  QLabel* m_totals;
  QSpinBox* m_batch;
};

}  // namespace loom::studio
