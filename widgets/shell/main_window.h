// MainWindow: Loom Studio's window — mode bar, canvas, dock panels, menus, files, autosave.
//
// The window owns one Document and wires every panel to it; panels only listen to the
// Document and call its edit functions (widgets/document/document.h). Modes: only Design
// exists so far (the mode bar shows only modes that work). Below the modes, the mode bar has
// a Training Settings button (also Model → Training Settings…).
//
// Files: New / Open / Save / Save As / recent files, the `.loom` format. Before anything
// would drop unsaved changes (close, New, Open, a template) the user is asked to save,
// discard or cancel. An Autosaver writes the modified document every 30 s; at the next
// start offerRecovery() offers sessions that ended without closing (crash, SIGKILL).
//
// Persistent state (QSettings, organisation "Loom", application "Loom Studio"): window
// geometry and dock layout, recent files, theme.
#pragma once

#include <QList>
#include <QMainWindow>
#include <QStringList>
#include <optional>

#include "widgets/shell/theme.h"

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QStackedWidget;
class QUndoView;

namespace loom::studio {

class Autosaver;
struct RecoverableSession;
class CanvasHost;
class Document;
class PalettePanel;
class ProblemsPanel;
class PropertiesPanel;
class StartPage;
class StatusSummary;
class TrainingSettingsDialog;

struct MainWindowOptions {
  int autosaveIntervalMs = 30'000;
  QString autosaveDirectory;  ///< empty: <AppDataLocation>/autosave
};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  Document* document() const { return m_doc; }
  CanvasHost* canvas() const { return m_canvas; }
  PalettePanel* palettePanel() const { return m_palette; }
  PropertiesPanel* propertiesPanel() const { return m_properties; }
  ProblemsPanel* problemsPanel() const { return m_problems; }
  StatusSummary* statusSummary() const { return m_summary; }
  StartPage* startPage() const { return m_startPage; }
  Autosaver* autosaver() const { return m_autosaver; }
  bool isStartPageShown() const;

  // ---- files (each asks before dropping unsaved changes; false = cancelled or failed) ----
  bool newDocument();
  /// Opens a `.loom` file; shows the error in a message box if it does not load.
  bool openFile(const QString& path);
  /// Opens a copy of a built-in template (resource path from builtinTemplates()).
  bool openTemplate(const QString& resource, const QString& title = {});
  /// Saves to the current file, or asks for one (Save As) for an untitled document.
  bool save();
  /// Saves to `path`; an empty path shows a file dialog.
  bool saveAs(const QString& path = {});
  /// If the document is modified asks "Save / Discard / Cancel"; true when it is now safe
  /// to drop the document (saved, discarded or unmodified).
  bool maybeDiscardChanges();
  QStringList recentFiles() const;

  // ---- edits from the shell ----
  /// Adds `op` at the centre of the canvas view and selects it (palette double-click).
  void addOpAtViewCenter(const QString& op);
  void copySelection();
  void paste();
  void duplicateSelection();
  void deleteSelection();
  /// Model → Training Settings…: opens the dialog window-modally without blocking (open())
  /// and returns it; it deletes itself when closed. OK applies one undoable edit.
  TrainingSettingsDialog* showTrainingSettings();

  /// Offers to restore autosaves of sessions that did not end normally. With an automatic
  /// answer set (tests, `--test-restore`), no dialog is shown.
  void offerRecovery();
  void setRecoveryAutoAnswer(std::optional<bool> restore) { m_recoveryAnswer = restore; }

  Theme theme() const { return m_theme; }
  void setTheme(Theme theme);
  /// Every action with a keyboard shortcut, in menu order (Help → Keyboard Shortcuts).
  QList<QAction*> shortcutActions() const;
  void showEditor();
  void showStartPage();

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createDocks();
  void createActions();
  void createMenus();
  void restoreSettings();
  void saveSettings();
  void addRecentFile(const QString& path);
  void updateRecentMenu();
  void updateTitle();
  void onSelectionChanged(const QStringList& nodes);
  void showStatus(const QString& message);
  bool restoreSession(const RecoverableSession& session);

  MainWindowOptions m_options;
  Document* m_doc;
  CanvasHost* m_canvas = nullptr;
  QStackedWidget* m_center = nullptr;
  StartPage* m_startPage = nullptr;
  PalettePanel* m_palette = nullptr;
  PropertiesPanel* m_properties = nullptr;
  ProblemsPanel* m_problems = nullptr;
  QUndoView* m_undoView = nullptr;
  StatusSummary* m_summary = nullptr;
  Autosaver* m_autosaver = nullptr;
  QDockWidget* m_paletteDock = nullptr;
  QDockWidget* m_propertiesDock = nullptr;
  QDockWidget* m_problemsDock = nullptr;
  QDockWidget* m_undoDock = nullptr;
  QMenu* m_recentMenu = nullptr;
  QActionGroup* m_themeGroup = nullptr;
  QList<QAction*> m_shortcutActions;
  QAction* m_fitAction = nullptr;
  QAction* m_trainingSettingsAction = nullptr;
  Theme m_theme = Theme::System;
  QString m_untitledName;  // shown for a template copy or restored session
  std::optional<bool> m_recoveryAnswer;
};

}  // namespace loom::studio
