#include "widgets/modes/export/export_mode.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QScrollArea>
#include <QSettings>
#include <QSplitter>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/modes/export/export_options_form.h"
#include "widgets/modes/export/export_runner.h"
#include "widgets/modes/export/parity_table.h"
#include "widgets/modes/export/preflight_panel.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/shell/group_box.h"

namespace loom::studio {

StudioMode* createExportMode(const ModeContext& context, QObject* parent) {
  return new ExportMode(context, parent);
}

ExportMode::ExportMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_runner(new ExportRunner(this)),
      m_preflight(new PreflightPanel(context.document)),
      m_form(new ExportOptionsForm),
      m_parity(new ParityTable),
      m_card(new QTextBrowser),
      m_progress(new QProgressBar),
      m_status(new QLabel),
      m_export(new QAction(QIcon(QStringLiteral(":/modes/export/export.svg")), tr("Export"), this)),
      m_cancel(new QAction(tr("Cancel"), this)) {
  m_export->setObjectName(QStringLiteral("actionExportOnnx"));
  m_export->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  m_export->setToolTip(tr("Export the model to ONNX and check it against OpenCV (Ctrl+E)"));
  m_cancel->setObjectName(QStringLiteral("actionCancelExport"));
  m_cancel->setEnabled(false);
  m_actions.toolBar = {m_export, m_cancel};
  m_widget = buildWidget();

  connect(m_export, &QAction::triggered, this, [this] { startExport(); });
  connect(m_cancel, &QAction::triggered, this, &ExportMode::cancelExport);
  connect(m_form, &ExportOptionsForm::opsetChanged, m_preflight, &PreflightPanel::setOpset);
  connect(m_preflight, &PreflightPanel::nodeActivated, this, &ExportMode::showNodeInDesign);
  connect(m_runner, &ExportRunner::progress, this,
          [this](qint64 done, qint64 total, const QString& message) {
            m_progress->setRange(0, 1000);
            m_progress->setValue(total > 0 ? int(1000 * done / total) : 0);
            m_status->setText(message);
          });
  connect(m_runner, &ExportRunner::finished, this, &ExportMode::finish);
  connect(document(), &Document::filePathChanged, this, &ExportMode::suggestOutput);
  connect(document(), &Document::modelReset, this, &ExportMode::suggestOutput);
  suggestOutput();
}

QIcon ExportMode::icon() const {
  return QIcon(QStringLiteral(":/modes/export/export.svg"));
}

QWidget* ExportMode::widget() const {
  return m_widget;
}

QWidget* ExportMode::buildWidget() {
  auto* run = new QWidget;
  auto* runLayout = new QHBoxLayout(run);
  runLayout->setContentsMargins(0, 0, 0, 0);
  for (QAction* a : {m_export, m_cancel}) {
    auto* button = new QToolButton;
    button->setDefaultAction(a);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setObjectName(a->objectName() + QStringLiteral("Button"));
    runLayout->addWidget(button);
  }
  m_progress->setObjectName(QStringLiteral("exportProgress"));
  m_progress->setRange(0, 1000);
  m_progress->setValue(0);
  m_progress->setTextVisible(false);
  runLayout->addWidget(m_progress, 1);
  m_status->setObjectName(QStringLiteral("exportStatus"));
  m_status->setWordWrap(true);
  m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

  auto* optionsBox = new QWidget;
  auto* optionsLayout = new QVBoxLayout(optionsBox);
  optionsLayout->setContentsMargins(0, 0, 0, 0);
  optionsLayout->addWidget(m_form);
  optionsLayout->addWidget(run);
  optionsLayout->addWidget(m_status);

  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  // Pre-flight and parity hold a few rows each; the card on the right takes the height.
  leftLayout->addWidget(titledGroup(tr("Pre-flight"), m_preflight, "exportPreflightGroup"));
  leftLayout->addWidget(titledGroup(tr("Options"), optionsBox, "exportOptionsGroup"));
  leftLayout->addWidget(
      titledGroup(tr("Parity check (Loom vs OpenCV DNN)"), m_parity, "exportParityGroup"));
  leftLayout->addStretch(1);

  m_card->setObjectName(QStringLiteral("exportCardView"));
  m_card->setOpenExternalLinks(false);
  m_card->setPlaceholderText(tr("The model card appears here after an export."));
  auto* splitter = new QSplitter(Qt::Horizontal);
  splitter->setObjectName(QStringLiteral("exportSplitter"));
  splitter->addWidget(left);
  splitter->addWidget(titledGroup(tr("Model card"), m_card, "exportCardGroup"));
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  return splitter;
}

void ExportMode::activate() {
  suggestOutput();
}

void ExportMode::suggestOutput() {
  const QString current = m_form->outputEdit()->text();
  if (!current.isEmpty() && current != m_suggestedOutput) return;  // the user chose one
  const QString path = document()->filePath();
  const QString name = QString::fromStdString(document()->model().name);
  m_suggestedOutput =
      path.isEmpty() ? QDir::home().filePath((name.isEmpty() ? QStringLiteral("model") : name) +
                                             QStringLiteral(".onnx"))
                     : QFileInfo(path).dir().filePath(QFileInfo(path).completeBaseName() +
                                                      QStringLiteral(".onnx"));
  m_form->outputEdit()->setText(m_suggestedOutput);
}

void ExportMode::setStatus(const QString& text, bool error) {
  m_status->setText(text);
  m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

bool ExportMode::isExporting() const {
  return m_runner->isRunning();
}

bool ExportMode::startExport() {
  if (m_runner->isRunning()) return false;
  auto options = m_form->options();
  if (!options) {
    setStatus(QString::fromStdString(options.status().message()), true);
    emit statusMessage(m_status->text());
    return false;
  }
  const QString source = document()->filePath().isEmpty()
                             ? QString::fromStdString(document()->model().name)
                             : document()->filePath();
  if (!m_runner->start(document()->model(), source, *options)) return false;
  m_export->setEnabled(false);
  m_cancel->setEnabled(true);
  m_form->setEnabled(false);
  m_progress->setValue(0);
  m_parity->clear(tr("Running…"));
  setStatus(tr("Exporting…"), false);
  return true;
}

void ExportMode::cancelExport() {
  m_runner->cancel();
  setStatus(tr("Cancelling…"), false);
}

void ExportMode::finish(bool ok, const QString& error) {
  m_export->setEnabled(true);
  m_cancel->setEnabled(false);
  m_form->setEnabled(true);
  m_progress->setValue(ok ? 1000 : 0);
  QString message;
  if (!ok) {
    const bool cancelled = m_runner->error().code() == ErrorCode::Cancelled;
    message = cancelled ? tr("Cancelled; nothing was kept.") : error;
    m_parity->clear(cancelled ? tr("Cancelled.") : tr("Not run: the export failed."));
    setStatus(message, !cancelled);
  } else {
    const ExportJobReport& r = m_runner->report();
    if (!r.wrote()) {
      message = tr("%n node(s) cannot be exported (see Pre-flight); nothing was written.", nullptr,
                   static_cast<int>(r.problems.size()));
      m_parity->clear(tr("Not run."));
      setStatus(message, true);
    } else {
      message = tr("Wrote %1 and its model card %2.")
                    .arg(QString::fromStdString(r.onnxPath), QString::fromStdString(r.cardPath));
      for (const std::string& w : r.warnings)
        message += QStringLiteral("\n") + tr("Warning: %1").arg(QString::fromStdString(w));
      m_parity->showReport(r);
      m_card->setMarkdown(QString::fromStdString(r.card));
      setStatus(message, false);
      ok = !r.parityFailed();
    }
  }
  emit statusMessage(message.section(QLatin1Char('\n'), 0, 0));
  emit exportFinished(ok && m_runner->report().wrote(), message);
}

// Design shows the node; the modes meet only through the manager that owns them (their parent).
void ExportMode::showNodeInDesign(const QString& node) {
  auto* manager = qobject_cast<ModeManager*>(parent());
  DesignMode* design = manager ? manager->find<DesignMode>() : nullptr;
  if (!design) return;
  manager->setCurrent(design);
  manager->showCurrentWidget();
  design->selectNodes({node});
}

bool ExportMode::confirmClose(QWidget* parent) {
  if (!m_runner->isRunning()) return true;
  const auto answer = QMessageBox::question(parent, tr("Export running"),
                                            tr("An export is running. Cancel it and close?"),
                                            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
  if (answer != QMessageBox::Yes) return false;
  m_runner->cancel();
  return true;  // the runner's destructor waits for the job to stop
}

void ExportMode::saveState(QSettings& settings) const {
  auto o = m_form->options();
  settings.setValue(QStringLiteral("opset"), m_form->opset());
  if (!o) return;  // a half-typed field is not saved
  settings.setValue(QStringLiteral("foldBn"), o->foldBatchNorm);
  settings.setValue(QStringLiteral("parity"), o->parity);
  settings.setValue(QStringLiteral("parityImages"), qint64(o->parityImages));
  QStringList batches;
  for (std::int64_t b : o->parityBatches) batches << QString::number(b);
  settings.setValue(QStringLiteral("parityBatches"), batches.join(QLatin1Char(' ')));
  settings.setValue(QStringLiteral("tolerance"), o->tolerance);
}

void ExportMode::restoreState(QSettings& settings) {
  ExportJobOptions o;
  o.checkpoint = m_form->checkpointEdit()->text().toStdString();
  o.output = m_form->outputEdit()->text().toStdString();
  o.opset = settings.value(QStringLiteral("opset"), o.opset).toInt();
  o.foldBatchNorm = settings.value(QStringLiteral("foldBn"), o.foldBatchNorm).toBool();
  o.parity = settings.value(QStringLiteral("parity"), o.parity).toBool();
  o.parityImages =
      settings.value(QStringLiteral("parityImages"), qint64(o.parityImages)).toLongLong();
  if (settings.contains(QStringLiteral("parityBatches"))) {
    std::vector<std::int64_t> batches;
    for (const QString& b : settings.value(QStringLiteral("parityBatches"))
                                .toString()
                                .split(QLatin1Char(' '), Qt::SkipEmptyParts))
      batches.push_back(b.toLongLong());
    if (!batches.empty()) o.parityBatches = batches;
  }
  o.tolerance = settings.value(QStringLiteral("tolerance"), o.tolerance).toDouble();
  m_form->setOptions(o);
  m_preflight->setOpset(m_form->opset());
}

}  // namespace loom::studio
