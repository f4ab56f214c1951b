#include "widgets/modes/export/parity_table.h"

#include <QBrush>
#include <QColor>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "engine/interop/export_job.h"

namespace loom::studio {

namespace {

QString number(double v) {
  return QString::number(v, 'g', 3);
}

QString percent(std::int64_t hits, std::int64_t of) {
  return of > 0 ? QString::number(100.0 * double(hits) / double(of), 'f', 2) + QStringLiteral(" %")
                : QString();
}

}  // namespace

ParityTable::ParityTable(QWidget* parent)
    : QWidget(parent), m_verdict(new QLabel), m_table(new QTableWidget(0, 9)) {
  m_verdict->setObjectName(QStringLiteral("exportVerdict"));
  m_verdict->setWordWrap(true);
  m_verdict->setTextFormat(Qt::PlainText);
  m_table->setObjectName(QStringLiteral("exportParityTable"));
  m_table->setHorizontalHeaderLabels({tr("Output"), tr("Batch"), tr("Images"), tr("Max abs diff"),
                                      tr("Max rel diff"), tr("Tolerance"), tr("Loom top-1"),
                                      tr("OpenCV top-1"), tr("Verdict")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionMode(QAbstractItemView::NoSelection);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setMinimumHeight(110);
  m_table->setMaximumHeight(200);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_verdict);
  layout->addWidget(m_table);
  clear(tr("Not run yet."));
}

void ParityTable::clear(const QString& message) {
  m_table->setRowCount(0);
  m_verdict->setText(message);
  m_verdict->setStyleSheet({});
}

void ParityTable::showReport(const ExportJobReport& r) {
  m_table->setRowCount(static_cast<int>(r.parity.size()));
  int row = 0;
  for (const ParityResult& p : r.parity) {
    const bool pass = p.maxRel <= r.tolerance;
    const QStringList cells = {QString::fromStdString(p.output),
                               QString::number(p.batch),
                               QString::number(p.samples),
                               number(p.maxAbs),
                               number(p.maxRel),
                               number(r.tolerance),
                               percent(p.loomCorrect, p.samples),
                               percent(p.opencvCorrect, p.samples),
                               pass ? tr("✔ pass") : tr("✖ FAIL")};
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c > 0 && c < 8) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (c == 8) item->setForeground(pass ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
      m_table->setItem(row, c, item);
    }
    ++row;
  }
  if (r.parity.empty()) {
    m_verdict->setText(tr("Parity not checked: %1.").arg(QString::fromStdString(r.parityNotRun)));
    m_verdict->setStyleSheet(QStringLiteral("color: #b26a00;"));
  } else if (r.parityFailed()) {
    m_verdict->setText(tr("✖ Parity FAILED: OpenCV's outputs differ from Loom's by more than %1 "
                          "(relative to max(1, |value|)). The file and card were written.")
                           .arg(number(r.tolerance)));
    m_verdict->setStyleSheet(QStringLiteral("color: #c62828; font-weight: bold;"));
  } else {
    m_verdict->setText(tr("✔ Parity passed: OpenCV's DNN gives Loom's outputs within %1 on %2 "
                          "test images at every batch size.")
                           .arg(number(r.tolerance))
                           .arg(r.parityImages));
    m_verdict->setStyleSheet(QStringLiteral("color: #2e7d32; font-weight: bold;"));
  }
}

}  // namespace loom::studio
