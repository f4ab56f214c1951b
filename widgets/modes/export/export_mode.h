// ExportMode: Design → Train → Export. Writes the document's model as an ONNX file with the same
// engine code as `loom export` (engine/interop/export_job.h) and shows what the export found:
//  * Pre-flight: every node that cannot be exported at the chosen opset, with the reason;
//    clicking one selects it in Design (PreflightPanel, re-checked off the GUI thread after
//    every edit);
//  * Options: the `loom export` options, from the engine's option table (ExportOptionsForm);
//  * Export / Cancel, a progress bar and a status line: the export, the parity check against
//    OpenCV's DNN and the model card run on a worker thread (ExportRunner);
//  * Parity check: max abs / rel difference per output and batch against the tolerance, pass
//    or FAIL (ParityTable);
//  * Model card: the Markdown card written beside the file, rendered (QTextBrowser).
// The mode keeps only view state; the model is the Document's (its unsaved edits included) and
// the parameters are the document's own or the checkpoint's.
//
// Actions (toolbar and buttons): Export (Ctrl+E), Cancel. Saved state ("modes/export"): opset,
// fold BN, skip parity, parity images, parity batches, tolerance (paths belong to a model and
// are not kept).
#pragma once

#include "widgets/modes/studio_mode.h"

class QAction;
class QLabel;
class QProgressBar;
class QTextBrowser;

namespace loom::studio {

class ExportOptionsForm;
class ExportRunner;
class ParityTable;
class PreflightPanel;

class ExportMode : public StudioMode {
  Q_OBJECT

 public:
  ExportMode(const ModeContext& context, QObject* parent = nullptr);

  QString id() const override { return QStringLiteral("export"); }
  QString title() const override { return tr("Export"); }
  QIcon icon() const override;
  QString toolTip() const override {
    return tr("Export: write the model as ONNX and check it against OpenCV");
  }
  QWidget* widget() const override;
  ModeActions actions() const override { return m_actions; }
  void activate() override;
  bool confirmClose(QWidget* parent) override;
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  // ---- driving (buttons, tests) ----
  /// Starts an export with the form's options. False, with the reason in the status line, when
  /// the options are refused or an export runs.
  bool startExport();
  void cancelExport();
  bool isExporting() const;

  PreflightPanel* preflight() const { return m_preflight; }
  ExportOptionsForm* optionsForm() const { return m_form; }
  ParityTable* parityTable() const { return m_parity; }
  QTextBrowser* cardView() const { return m_card; }
  ExportRunner* runner() const { return m_runner; }
  QAction* exportAction() const { return m_export; }
  QAction* cancelAction() const { return m_cancel; }
  QLabel* statusLabel() const { return m_status; }

 signals:
  /// An export ended (ok: the file was written; `message` is the status line).
  void exportFinished(bool ok, const QString& message);

 private:
  QWidget* buildWidget();
  void suggestOutput();
  void finish(bool ok, const QString& error);
  void showNodeInDesign(const QString& node);
  void setStatus(const QString& text, bool error);

  ExportRunner* m_runner;
  PreflightPanel* m_preflight;
  ExportOptionsForm* m_form;
  ParityTable* m_parity;
  QTextBrowser* m_card;
  QProgressBar* m_progress;
  QLabel* m_status;
  QAction* m_export;
  QAction* m_cancel;
  QWidget* m_widget;
  ModeActions m_actions;
  QString m_suggestedOutput;  // the last output path suggested (replaced while not edited)
};

/// The ModeFactory of Export (listed in widgets/modes/sources.cmake).
StudioMode* createExportMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
