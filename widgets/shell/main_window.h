// MainWindow: Loom Studio's window — mode bar, the current mode's widget and docks, menus,
// files, autosave.
//
// The window owns one Document and the ModeManager (widgets/modes/mode_manager.h), which creates
// the modes from the one list of modes (widgets/modes/modes.h) and builds the mode bar, the View
// menu's mode entries and the Ctrl+1… shortcuts from it. Modes and panels only listen to the
// Document and call its edit functions (widgets/document/document.h). The window itself holds
// what belongs to no single mode: the start page (a page of the central stack, shown instead of
// the current mode's widget), the File, Model and Help menus, Undo/Redo, the model totals in
// the status bar, and the Training Settings button below the modes (also Model → Training
// Settings…).
//
// Files: New / Open / Save / Save As / recent files, the `.loom` format. Before anything
// would drop unsaved changes (close, New, Open, a template) the user is asked to save,
// discard or cancel. An Autosaver writes the modified document every 30 s; at the next
// start offerRecovery() offers sessions that ended without closing (crash, SIGKILL) and
// restores one through Document::restoreAutosave().
//
// Persistent state (QSettings, organisation "Loom", application "Loom Studio"): window
// geometry and dock layout, recent files, theme, and the modes' state (ModeManager::saveState:
// the current mode, closed docks, each mode's own settings). Saved when the window closes.
#pragma once

#include <QList>
#include <QMainWindow>
#include <QStringList>
#include <memory>
#include <optional>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/model.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/shell/theme.h"

class QAction;
class QActionGroup;
class QMenu;
class QStackedWidget;

namespace loom::studio {

class Autosaver;
struct RecoverableSession;
class Document;
class RunStore;
class StartPage;
class TrainSession;
class StatusSummary;
class TrainingSettingsDialog;

struct MainWindowOptions {
  int autosaveIntervalMs = 30'000;
  QString autosaveDirectory;       ///< empty: <AppDataLocation>/autosave
  std::vector<ModeFactory> modes;  ///< empty: studioModes(), the studio's own list
};

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(const MainWindowOptions& options = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  Document* document() const { return m_doc; }
  ModeManager* modeManager() const { return m_modes; }
  /// The first mode that is an M (DesignMode, ...), or null when none is registered.
  template <class M>
  M* findMode() const {
    return m_modes->find<M>();
  }
  StatusSummary* statusSummary() const { return m_summary; }
  RunStore* runStore() const { return m_runs; }
  TrainSession* trainSession() const { return m_training; }
  StartPage* startPage() const { return m_startPage; }
  Autosaver* autosaver() const { return m_autosaver; }
  bool isStartPageShown() const;

  // ---- files (each asks before dropping unsaved changes; false = cancelled or failed) ----
  bool newDocument();
  /// Opens a `.loom` file; shows the error in a message box if it does not load.
  /// A file of up to kSynchronousOpenBytes is read and parsed at once (well under 100 ms) and
  /// the return value says whether it opened. A larger one (a model of tens of thousands of
  /// nodes) is read and parsed on a worker thread while the window stays live, with
  /// "Opening …" and a busy indicator in the status bar; then true only means "opening
  /// started", and fileOpened() or the error box follows. Both paths emit fileOpened().
  /// While a file is being opened, another openFile() is refused (returns false, says why).
  bool openFile(const QString& path);
  /// Files above this size open in the background (see openFile()).
  static constexpr qint64 kSynchronousOpenBytes = 1 << 20;
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
  /// File → Open Log Directory…: the dashboard tails `dir` (RunStore::setLogDir) and Train
  /// mode becomes current (`loom-studio --logdir DIR`).
  void openLogDir(const QString& dir);

  /// File → Import ONNX…: imports `path` (engine/interop/onnx_import.h) on a worker thread
  /// while the window stays live ("Importing …" and a busy indicator in the status bar), then
  /// opens the result as an untitled document (Save asks where) laid out as the importer
  /// placed it. Asks first about unsaved changes. onnxImported() follows either way; a refused
  /// file is shown in a window-modal message box that does not block (open()). False when
  /// cancelled or another open or import is under way.
  bool importOnnxFile(const QString& path);

  /// Model → Training Settings…: opens the dialog window-modally without blocking (open())
  /// and returns it; it deletes itself when closed. OK applies one undoable edit.
  TrainingSettingsDialog* showTrainingSettings();

  /// Offers to restore autosaves of sessions that did not end normally. With an automatic
  /// answer set (tests, `--test-restore`), no dialog is shown.
  void offerRecovery();
  void setRecoveryAutoAnswer(std::optional<bool> restore) { m_recoveryAnswer = restore; }

  Theme theme() const { return m_theme; }
  void setTheme(Theme theme);
  /// Every action with a keyboard shortcut, in menu order, then the modes' toolbar actions
  /// (Help → Keyboard Shortcuts). Includes the actions of modes that are not current.
  QList<QAction*> shortcutActions() const;
  /// Shows the current mode's widget (leaves the start page).
  void showCurrentMode();
  void showStartPage();

 signals:
  /// A model file was opened and is now the document (`path` as given to openFile()).
  void fileOpened(const QString& path);
  /// An importOnnxFile() finished: `ok` with the model open, else `message` says why not.
  void onnxImported(const QString& path, bool ok, const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;
  /// The toolbar/dock area's context menu: the current mode's docks only.
  QMenu* createPopupMenu() override;

 private:
  void createModeBar();
  void createMenus();
  void restoreSettings();
  void saveSettings();
  void addRecentFile(const QString& path);
  void updateRecentMenu();
  void updateTitle();
  void showStatus(const QString& message);
  bool restoreSession(const RecoverableSession& session);
  /// A model read for the canvas: a file without positions (every node at one point) is
  /// given placeByDepth()'s layout, which is not an edit (the document stays unmodified).
  struct CanvasModel {
    Model model;
    bool placedByDepth = false;
    std::shared_ptr<const Graph> graphCopy;  ///< equal to model.graph, made by the loader
  };
  /// Reads and places `path`; thread-safe (runs on a worker for large files).
  static Expected<CanvasModel> loadForCanvas(const std::string& path);
  /// openFile() for a large file (`bytes` long): loadForCanvas() on a worker, then
  /// finishOpen() on this thread.
  void openFileInBackground(const QString& path, qint64 bytes);
  /// Makes a loaded model the document (or shows why it did not load).
  bool finishOpen(const QString& path, Expected<CanvasModel> loaded);

  MainWindowOptions m_options;
  Document* m_doc;
  RunStore* m_runs = nullptr;
  TrainSession* m_training = nullptr;
  QStackedWidget* m_center = nullptr;
  StartPage* m_startPage = nullptr;
  ModeManager* m_modes = nullptr;
  StatusSummary* m_summary = nullptr;
  Autosaver* m_autosaver = nullptr;
  QMenu* m_recentMenu = nullptr;
  QActionGroup* m_themeGroup = nullptr;
  QAction* m_trainingSettingsAction = nullptr;
  Theme m_theme = Theme::System;
  QString m_untitledName;  // shown for a template copy or restored session
  std::optional<bool> m_recoveryAnswer;
  bool m_opening = false;  // a background openFile() is under way
};

}  // namespace loom::studio
