#include "widgets/shell/status_summary.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>

#include "widgets/document/document.h"
#include "widgets/shell/format.h"

namespace loom::studio {

StatusSummary::StatusSummary(Document* document, QWidget* parent)
    : QWidget(parent), m_doc(document), m_totals(new QLabel(this)), m_batch(new QSpinBox(this)) {
  m_totals->setObjectName(QStringLiteral("totals"));
  m_batch->setObjectName(QStringLiteral("analysisBatch"));
  m_batch->setRange(1, 1 << 20);
  m_batch->setValue(static_cast<int>(m_doc->analysisBatch()));
  m_batch->setKeyboardTracking(false);
  m_batch->setToolTip(tr("Batch size used for FLOPs and activation memory"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(6);
  layout->addWidget(m_totals);
  auto* label = new QLabel(tr("Batch:"), this);
  label->setBuddy(m_batch);
  layout->addSpacing(8);
  layout->addWidget(label);
  layout->addWidget(m_batch);

  connect(m_batch, &QSpinBox::valueChanged, this,
          [this](int batch) { m_doc->setAnalysisBatch(batch); });
  connect(m_doc, &Document::analysisUpdated, this, &StatusSummary::refresh);
  refresh();
}

QString StatusSummary::text() const {
  return m_totals->text();
}

void StatusSummary::refresh() {
  const GraphAnalysis& a = m_doc->analysis();
  m_totals->setText(tr("Params %1 (%2)  ·  FLOPs %3  ·  Activations %4")
                        .arg(formatCount(a.total.params), formatBytes(a.parameterBytes),
                             formatCount(a.total.flops), formatBytes(a.total.activationBytes)));
  m_totals->setToolTip(
      tr("Trainable parameters: %1\nParameter memory (with buffers): %2 bytes\n"
         "Forward FLOPs per batch of %3: %4\nActivation memory per batch: %5 bytes")
          .arg(a.total.params)
          .arg(a.parameterBytes)
          .arg(m_doc->analysisBatch())
          .arg(a.total.flops)
          .arg(a.total.activationBytes));
}

}  // namespace loom::studio
