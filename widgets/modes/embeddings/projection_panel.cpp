#include "widgets/modes/embeddings/projection_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>
#include <algorithm>

namespace loom::studio {

ProjectionPanel::ProjectionPanel(QWidget* parent)
    : QWidget(parent),
      m_method(new QComboBox),
      m_components(new QSpinBox),
      m_perplexity(new QDoubleSpinBox),
      m_iterations(new QSpinBox),
      m_neighbors(new QSpinBox),
      m_run(new QPushButton(tr("Run"))),
      m_cancel(new QPushButton(tr("Cancel"))),
      m_progress(new QProgressBar),
      m_status(new QLabel) {
  const embed::TsneOptions tsne;
  const embed::UmapOptions umap;
  m_method->setObjectName(QStringLiteral("projectionMethod"));
  for (const std::string& name : embed::projectionNames())
    m_method->addItem(QString::fromStdString(name));
  m_method->setCurrentText(QStringLiteral("tsne"));
  m_components->setRange(2, 3);
  m_components->setValue(2);
  m_perplexity->setRange(1, 500);
  m_perplexity->setValue(tsne.perplexity);
  m_iterations->setRange(10, 100000);
  m_iterations->setValue(int(tsne.iterations));
  m_neighbors->setRange(2, 200);
  m_neighbors->setValue(int(umap.nNeighbors));
  m_run->setObjectName(QStringLiteral("projectionRun"));
  m_cancel->setObjectName(QStringLiteral("projectionCancel"));
  m_progress->setObjectName(QStringLiteral("projectionProgress"));
  m_status->setWordWrap(true);

  auto* form = new QFormLayout;
  form->addRow(tr("Method:"), m_method);
  form->addRow(tr("Dimensions:"), m_components);
  form->addRow(tr("Perplexity:"), m_perplexity);
  form->addRow(tr("Iterations:"), m_iterations);
  form->addRow(tr("Neighbours:"), m_neighbors);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_run);
  buttons->addWidget(m_cancel);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addLayout(buttons);
  layout->addWidget(m_progress);
  layout->addWidget(m_status);
  layout->addStretch(1);

  connect(m_method, &QComboBox::currentIndexChanged, this, &ProjectionPanel::updateFields);
  connect(m_run, &QPushButton::clicked, this, &ProjectionPanel::runRequested);
  connect(m_cancel, &QPushButton::clicked, this, &ProjectionPanel::cancelRequested);
  setRunning(false);
  updateFields();
}

embed::ProjectionOptions ProjectionPanel::options() const {
  embed::ProjectionOptions o;
  auto method = embed::parseProjection(m_method->currentText().toStdString());
  o.method = method ? *method : embed::Projection::Pca;
  o.components = m_components->value();
  o.tsne.perplexity = m_perplexity->value();
  o.tsne.iterations = m_iterations->value();
  o.umap.nNeighbors = m_neighbors->value();
  // One core stays free for the GUI thread and the GL compositor (with llvmpipe the CPU draws
  // the window too): the projection gets the others.
  const int threads = std::max(1, QThread::idealThreadCount() - 1);
  o.pca.threads = o.tsne.threads = o.umap.threads = threads;
  return o;
}

void ProjectionPanel::updateFields() {
  const QString m = m_method->currentText();
  m_perplexity->setEnabled(m == QLatin1String("tsne"));
  m_iterations->setEnabled(m == QLatin1String("tsne"));
  m_neighbors->setEnabled(m == QLatin1String("umap"));
}

void ProjectionPanel::setRunning(bool running) {
  m_run->setEnabled(!running);
  m_cancel->setEnabled(running);
  m_method->setEnabled(!running);
}

void ProjectionPanel::showProgress(const QString& stage, qint64 done, qint64 total, double value) {
  m_progress->setRange(0, int(std::max<qint64>(total, 1)));
  m_progress->setValue(int(std::min(done, total)));
  m_progress->setFormat(QStringLiteral("%1 %p%").arg(stage));
  QString text = tr("%1: %2 / %3").arg(stage).arg(done).arg(total);
  if (value > 0) text += tr(" · KL %1").arg(value, 0, 'f', 4);
  m_status->setStyleSheet(QString());
  m_status->setText(text);
}

void ProjectionPanel::showMessage(const QString& text, bool error) {
  m_status->setStyleSheet(error ? QStringLiteral("color: #c0392b;") : QString());
  m_status->setText(text);
}

}  // namespace loom::studio
