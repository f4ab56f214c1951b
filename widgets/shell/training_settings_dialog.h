// Model → Training Settings…: editors for the model's `training` and `dataset` blocks (the
// settings `loom train FILE` uses: engine/proto/loom.proto).
//
// The editors show the *effective* settings: the document's values with Loom's defaults filled
// in (applyDefaults), so a file that leaves beta1 unset shows 0.9, the value training uses.
// Groups: Run (epochs, batch, seed, threads, gradient clipping), Optimizer, Schedule, Loss &
// validation, Data. Editors that the chosen optimizer, schedule, loss or dataset kind ignore are
// disabled (momentum only for sgd/rmsprop, betas for adam/adamw, gamma for step, ...).
//
// OK applies through Document::setTrainingSettings(): one undo step, and the file then states
// every setting explicitly. OK with nothing changed (compared after applying the defaults) is
// no edit. A refused edit shows the Document's message under the editors and keeps the dialog
// open. Restore Defaults puts Loom's defaults into the editors (applied only on OK).
//
// Every editor's objectName is its field's path in the `.loom` file ("training.epochs",
// "training.optimizer.learning_rate", "dataset.augmentation.horizontal_flip"); editor() finds
// it. Tests drive the editors with key and mouse events through these names.
#pragma once

#include <QDialog>
#include <QHash>
#include <utility>

#include "engine/proto/loom.pb.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace loom::studio {

class Document;

class TrainingSettingsDialog : public QDialog {
  Q_OBJECT

 public:
  /// Shows `doc`'s current settings. The dialog does not follow later document changes.
  explicit TrainingSettingsDialog(Document* doc, QWidget* parent = nullptr);

  /// The editor of one field by its path in the file (see above); null for an unknown path.
  QWidget* editor(const QString& field) const;
  /// Every field path that has an editor.
  QStringList fields() const { return m_editors.keys(); }
  /// The settings the editors show, as OK would apply them.
  std::pair<pb::TrainingConfig, pb::DatasetConfig> settings() const;
  /// The reason the last OK was refused; empty otherwise.
  QString message() const;
  QDialogButtonBox* buttons() const { return m_buttons; }

  /// Applies the settings (Document::setTrainingSettings); closes only when they were applied
  /// or nothing changed.
  void accept() override;
  /// Shows `training` and `dataset` (their defaults filled in) in the editors.
  void showSettings(const pb::TrainingConfig& training, const pb::DatasetConfig& dataset);

 private:
  QSpinBox* intEditor(const QString& field, int min, int max, const QString& zeroText = {});
  QDoubleSpinBox* floatEditor(const QString& field, double min, double max, double step);
  QComboBox* choiceEditor(const QString& field, const QStringList& choices);
  QCheckBox* boolEditor(const QString& field, const QString& text);
  QLineEdit* textEditor(const QString& field);
  void updateEnabled();

  Document* m_doc;
  QHash<QString, QWidget*> m_editors;
  pb::TrainingConfig m_training;  // the document's settings when the dialog opened
  pb::DatasetConfig m_dataset;
  QLabel* m_message = nullptr;
  QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace loom::studio
