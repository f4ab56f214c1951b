// ExportOptionsForm: the editors of one export's options, built from the engine's option table
// (loom::exportOptionSpecs(), engine/interop/export_job.h): labels, tooltips, defaults and the
// opset choices come from there, and options() checks what was typed with the engine's own
// rules (validateExportOptions), so the studio and `loom export` cannot disagree.
//
// Object names (tests): exportCheckpoint, exportCheckpointBrowse, exportOutput,
// exportOutputBrowse, exportOpset, exportFoldBn, exportNoParity, exportParityImages,
// exportParityBatches, exportTolerance.
#pragma once

#include <QWidget>

#include "engine/core/status.h"
#include "engine/interop/export_job.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace loom::studio {

class ExportOptionsForm : public QWidget {
  Q_OBJECT

 public:
  explicit ExportOptionsForm(QWidget* parent = nullptr);

  /// What the editors say, checked by validateExportOptions(); InvalidArgument naming the
  /// option and the text when a field does not parse or a rule refuses it.
  Expected<ExportJobOptions> options() const;
  /// Puts `options` into the editors (restoring state, tests).
  void setOptions(const ExportJobOptions& options);
  int opset() const;

  QLineEdit* checkpointEdit() const { return m_checkpoint; }
  QLineEdit* outputEdit() const { return m_output; }

 signals:
  void opsetChanged(int opset);
  /// Any editor changed.
  void edited();

 private:
  QLineEdit* m_checkpoint;
  QLineEdit* m_output;
  QComboBox* m_opset;
  QCheckBox* m_foldBn;
  QCheckBox* m_noParity;
  QSpinBox* m_parityImages;
  QLineEdit* m_parityBatches;
  QLineEdit* m_tolerance;
};

}  // namespace loom::studio
