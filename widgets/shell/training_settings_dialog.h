// Model → Training Settings…: editors for the model's `training` and `dataset` blocks (the
// settings `loom train FILE` uses: engine/proto/loom.proto).
//
// The editors are generated from the engine's settings schema (engine/train/settings.h): one
// per setting (except lists such as top_k), in the schema's groups (Run, Optimizer, Schedule,
// Loss & validation, Data) and order, with its label, help as tooltip, range, list of names and
// the text for a meaningful 0 ("idle cores"). An editor is enabled exactly when the schema says
// the setting is used (momentum only for sgd/rmsprop, gamma only for step, ...); a disabled
// check box whose setting is refused where unused (Nesterov) counts as off.
//
// The editors show the *effective* settings: the document's values with Loom's defaults filled
// in (applyTrainingDefaults), so a file that leaves beta1 unset shows 0.9, the value training
// uses.
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

class QDialogButtonBox;
class QGroupBox;
class QLabel;

namespace loom {
struct SettingSpec;
}

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
  /// The editor of one setting (null for a type the dialog does not edit), named and
  /// registered under the setting's path.
  QWidget* createEditor(const SettingSpec& spec);
  /// A line edit with a "…" button that picks the data set's directory or file.
  QWidget* pathRow(QWidget* editor, QWidget* parent);
  void updateEnabled();

  Document* m_doc;
  QHash<QString, QWidget*> m_editors;
  pb::TrainingConfig m_training;  // the document's settings when the dialog opened
  pb::DatasetConfig m_dataset;
  QLabel* m_message = nullptr;
  QDialogButtonBox* m_buttons = nullptr;
};

}  // namespace loom::studio
