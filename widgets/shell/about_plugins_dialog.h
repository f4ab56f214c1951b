// Help → About Plugins: every plugin Loom found, what each added, and why any was refused.
//
// A view over the engine's PluginManager (engine/plugin/plugin_loader.h); it reads the
// records once, when it is built, and never loads or unloads anything itself.
#pragma once

#include <QDialog>

class QLabel;
class QPlainTextEdit;
class QTableWidget;

namespace loom {
class PluginManager;
}

namespace loom::studio {

class AboutPluginsDialog : public QDialog {
  Q_OBJECT

 public:
  /// Columns of table(), in order.
  enum Column {
    NameColumn,
    VersionColumn,
    ApiColumn,
    StateColumn,
    AddsColumn,
    LibraryColumn,
    ColumnCount
  };

  /// One row per plugin in `manager.plugins()`, in the order they were found. `manager` is
  /// only read during construction.
  explicit AboutPluginsDialog(const PluginManager& manager, QWidget* parent = nullptr);

  /// The plugin table ("pluginTable").
  QTableWidget* table() const { return m_table; }
  /// Everything about the selected row: description, folder, library, reason ("pluginDetails").
  QPlainTextEdit* details() const { return m_details; }

 private:
  void fillTable(const PluginManager& manager);

  QTableWidget* m_table;
  QPlainTextEdit* m_details;
  QLabel* m_searched;
  QStringList m_detailTexts;  // per row
};

}  // namespace loom::studio
