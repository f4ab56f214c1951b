// SettingsSummary: the current model's run settings as Train mode shows them — one row per
// setting of the engine's schema (engine/train/settings.h, settingSpecs()), in its groups and
// order, with the effective value (applyTrainingDefaults: what training will use). Settings
// the current optimizer/schedule/data kind ignore are shown greyed. "Edit…" opens the studio's
// Training Settings dialog (widgets/shell/training_settings_dialog.h), the one editor of
// these settings; the summary follows Document::trainingSettingsChanged().
//
// With no model open (an untitled, empty document: the studio opened on a log directory
// alone), the summary shows the settings of the dashboard's current run instead, read from
// the model.loom Loom writes into every run directory (docs/runs.md: the model exactly as
// trained), read-only; a run without one (TensorFlow's, PyTorch's) is said to have unknown
// settings, and with no run either the caption says that Loom's defaults are shown.
#pragma once

#include <QWidget>

class QLabel;
class QTreeWidget;

namespace loom::studio {

class Document;
struct SettingsSource;

class SettingsSummary : public QWidget {
  Q_OBJECT

 public:
  explicit SettingsSummary(Document* doc, QWidget* parent = nullptr);

  QTreeWidget* tree() const { return m_tree; }
  /// The effective value shown for a setting path ("training.epochs"), or empty.
  QString shownValue(const QString& path) const;
  /// Whether the editors may be used (false while a run trains the model).
  void setEditable(bool editable);
  /// The dashboard's current run (its name and directory; empty: none), shown when no model
  /// is open.
  void setRun(const QString& name, const QString& dir);
  /// What the rows show: "" for the open model, else the caption above them ("Run X: ...").
  QString source() const;

 private:
  void refresh();
  /// True when the document holds a model (a file, or an untitled model with nodes).
  bool hasModel() const;
  void fill(const SettingsSource& source);

  Document* m_doc;
  QLabel* m_caption;
  QTreeWidget* m_tree;
  QWidget* m_edit;
  bool m_editable = true;
  QString m_runName, m_runDir;
};

}  // namespace loom::studio
