#include "widgets/modes/export/export_options_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>
#include <functional>

#include "engine/ops/onnx_mapping.h"

namespace loom::studio {

namespace {

const ExportOptionSpec& spec(ExportOption o) {
  return exportOptionSpec(o);
}

QString label(ExportOption o) {
  return QString::fromUtf8(spec(o).label) + QLatin1Char(':');
}

/// The option's help as a tooltip, with its flag and default: the same words as `--help`.
QString tip(ExportOption o) {
  return QStringLiteral("%1\n(loom export %2; default: %3)")
      .arg(QString::fromUtf8(spec(o).help), QString::fromUtf8(spec(o).flag),
           QString::fromStdString(exportOptionDefaultText(o)));
}

QString batchesText(const std::vector<std::int64_t>& batches) {
  QStringList parts;
  for (std::int64_t b : batches) parts << QString::number(b);
  return parts.join(QLatin1Char(' '));
}

/// A line edit with a "…" button that asks for a file.
QWidget* withBrowse(QLineEdit* edit, const QString& name, std::function<QString()> ask) {
  auto* row = new QWidget;
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit, 1);
  auto* browse = new QToolButton;
  browse->setObjectName(name);
  browse->setText(QStringLiteral("…"));
  browse->setToolTip(QObject::tr("Choose a file"));
  layout->addWidget(browse);
  QObject::connect(browse, &QToolButton::clicked, edit, [edit, ask] {
    const QString path = ask();
    if (!path.isEmpty()) edit->setText(path);
  });
  return row;
}

}  // namespace

ExportOptionsForm::ExportOptionsForm(QWidget* parent)
    : QWidget(parent),
      m_checkpoint(new QLineEdit),
      m_output(new QLineEdit),
      m_opset(new QComboBox),
      m_foldBn(new QCheckBox),
      m_noParity(new QCheckBox),
      m_parityImages(new QSpinBox),
      m_parityBatches(new QLineEdit),
      m_tolerance(new QLineEdit) {
  m_checkpoint->setObjectName(QStringLiteral("exportCheckpoint"));
  m_checkpoint->setPlaceholderText(
      QString::fromStdString(exportOptionDefaultText(ExportOption::Checkpoint)));
  m_output->setObjectName(QStringLiteral("exportOutput"));
  m_opset->setObjectName(QStringLiteral("exportOpset"));
  for (int o : kOnnxOpsets) m_opset->addItem(QString::number(o), o);
  m_foldBn->setObjectName(QStringLiteral("exportFoldBn"));
  m_noParity->setObjectName(QStringLiteral("exportNoParity"));
  m_parityImages->setObjectName(QStringLiteral("exportParityImages"));
  m_parityImages->setRange(1, 1000000);  // the data set's size is checked when it is read
  m_parityBatches->setObjectName(QStringLiteral("exportParityBatches"));
  m_tolerance->setObjectName(QStringLiteral("exportTolerance"));

  auto* form = new QFormLayout(this);
  form->setContentsMargins(0, 0, 0, 0);
  auto add = [&](ExportOption o, QWidget* field, QWidget* editor) {
    editor->setToolTip(tip(o));
    form->addRow(label(o), field);
  };
  add(ExportOption::Checkpoint,
      withBrowse(m_checkpoint, QStringLiteral("exportCheckpointBrowse"),
                 [this] {
                   return QFileDialog::getOpenFileName(this, tr("Checkpoint"), {},
                                                       tr("Checkpoints (*.ckpt);;All files (*)"));
                 }),
      m_checkpoint);
  add(ExportOption::Output,
      withBrowse(m_output, QStringLiteral("exportOutputBrowse"),
                 [this] {
                   return QFileDialog::getSaveFileName(this, tr("Export to"), m_output->text(),
                                                       tr("ONNX files (*.onnx)"));
                 }),
      m_output);
  add(ExportOption::Opset, m_opset, m_opset);
  add(ExportOption::FoldBatchNorm, m_foldBn, m_foldBn);
  add(ExportOption::NoParity, m_noParity, m_noParity);
  add(ExportOption::ParityImages, m_parityImages, m_parityImages);
  add(ExportOption::ParityBatches, m_parityBatches, m_parityBatches);
  add(ExportOption::Tolerance, m_tolerance, m_tolerance);
  setOptions(ExportJobOptions{});

  connect(m_opset, &QComboBox::currentIndexChanged, this, [this] { emit opsetChanged(opset()); });
  connect(m_noParity, &QCheckBox::toggled, this, [this](bool skip) {
    m_parityImages->setEnabled(!skip);
    m_parityBatches->setEnabled(!skip);
    m_tolerance->setEnabled(!skip);
  });
  for (QLineEdit* e : {m_checkpoint, m_output, m_parityBatches, m_tolerance})
    connect(e, &QLineEdit::textChanged, this, &ExportOptionsForm::edited);
  connect(m_opset, &QComboBox::currentIndexChanged, this, &ExportOptionsForm::edited);
  connect(m_foldBn, &QCheckBox::toggled, this, &ExportOptionsForm::edited);
  connect(m_noParity, &QCheckBox::toggled, this, &ExportOptionsForm::edited);
  connect(m_parityImages, &QSpinBox::valueChanged, this, &ExportOptionsForm::edited);
}

int ExportOptionsForm::opset() const {
  return m_opset->currentData().toInt();
}

void ExportOptionsForm::setOptions(const ExportJobOptions& o) {
  m_checkpoint->setText(QString::fromStdString(o.checkpoint));
  m_output->setText(QString::fromStdString(o.output));
  const int index = m_opset->findData(o.opset);
  m_opset->setCurrentIndex(index < 0 ? 0 : index);
  m_foldBn->setChecked(o.foldBatchNorm);
  m_noParity->setChecked(!o.parity);
  m_parityImages->setValue(static_cast<int>(o.parityImages));
  m_parityBatches->setText(batchesText(o.parityBatches));
  m_tolerance->setText(QString::number(o.tolerance, 'g', 6));
}

Expected<ExportJobOptions> ExportOptionsForm::options() const {
  ExportJobOptions o;
  o.checkpoint = m_checkpoint->text().trimmed().toStdString();
  o.output = m_output->text().trimmed().toStdString();
  o.opset = opset();
  o.foldBatchNorm = m_foldBn->isChecked();
  o.parity = !m_noParity->isChecked();
  o.parityImages = m_parityImages->value();
  o.parityBatches.clear();
  for (const QString& part : m_parityBatches->text().split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
    bool ok = false;
    const qlonglong b = part.toLongLong(&ok);
    if (!ok)
      return invalidArgument(std::string(spec(ExportOption::ParityBatches).label) + ": \"" +
                             part.toStdString() + "\" is not a whole number");
    o.parityBatches.push_back(b);
  }
  bool ok = false;
  o.tolerance = m_tolerance->text().trimmed().toDouble(&ok);
  if (!ok)
    return invalidArgument(std::string(spec(ExportOption::Tolerance).label) + ": \"" +
                           m_tolerance->text().toStdString() + "\" is not a number");
  LOOM_RETURN_IF_ERROR(validateExportOptions(o));
  return o;
}

}  // namespace loom::studio
