// SettingsSummary: the current model's run settings as Train mode shows them — one row per
// setting of the engine's schema (engine/train/settings.h, settingSpecs()), in its groups and
// order, with the effective value (applyTrainingDefaults: what training will use). Settings
// the current optimizer/schedule/data kind ignore are shown greyed. "Edit…" opens the studio's
// Training Settings dialog (widgets/shell/training_settings_dialog.h), the one editor of
// these settings; the summary follows Document::trainingSettingsChanged().
#pragma once

#include <QWidget>

class QTreeWidget;

namespace loom::studio {

class Document;

class SettingsSummary : public QWidget {
  Q_OBJECT

 public:
  explicit SettingsSummary(Document* doc, QWidget* parent = nullptr);

  QTreeWidget* tree() const { return m_tree; }
  /// The effective value shown for a setting path ("training.epochs"), or empty.
  QString shownValue(const QString& path) const;
  /// Whether the editors may be used (false while a run trains the model).
  void setEditable(bool editable);

 private:
  void refresh();

  Document* m_doc;
  QTreeWidget* m_tree;
  QWidget* m_edit;
};

}  // namespace loom::studio
