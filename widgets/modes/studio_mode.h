// StudioMode: one mode of Loom Studio (Design, and later Train, Inspect, Embeddings, Export,
// Workers) — a central widget, its dock panels and its actions, over objects it shares with the
// other modes through a ModeContext.
//
// The modes are listed once, one line each in widgets/modes/sources.cmake (see modes.h);
// the mode bar, the View menu and the Ctrl+1…Ctrl+9 shortcuts are generated from that list by
// the ModeManager (mode_manager.h), which also shows one mode at a time. How to add a mode:
// docs/howto/add-a-studio-mode.md.
//
// Lifecycle, as the ModeManager drives it:
//   1. the factory constructs the mode (ModeFactory, modes.h); it creates its widget, docks and
//      actions then, once, and keeps them for its whole life;
//   2. the manager puts widget() into the central stack, adds docks() to the window and calls
//      arrangeDocks() (again on View → Reset Layout), builds the mode's toolbar and menu entries
//      from actions(), and calls restoreState() with the settings of the last session;
//   3. activate() / deactivate() as the user switches modes (the first mode starts active);
//   4. saveState() when the window closes; then the window deletes everything (Qt parents).
// A mode never shows or hides its own docks, toolbar or actions: while it is inactive the manager
// hides them (and with them their shortcuts). A mode that wants to switch an action off (Pause
// while nothing runs) disables it (QAction::setEnabled), never hides it.
//
// Sharing: no mode owns data another mode needs (ARCHITECTURE.md, Studio). The model being
// edited is the context's Document; a mode keeps only view state (selection, zoom, filters),
// which it may persist with saveState().
#pragma once

#include <QIcon>
#include <QList>
#include <QObject>
#include <QString>

class QAction;
class QDockWidget;
class QMainWindow;
class QSettings;
class QWidget;

namespace loom::studio {

class Document;
class RunStore;
class TrainSession;

/// What a mode may use besides itself. Every pointer is owned by the main window and outlives
/// every mode. Grows as shared objects appear, one field each.
struct ModeContext {
  Document* document = nullptr;  ///< the model being edited (never null)
  RunStore* runs = nullptr;      ///< the runs the dashboard shows (widgets/modes/train/run_store.h)
  TrainSession* training = nullptr;  ///< the studio's training run (train/train_session.h)
};

/// The actions a mode contributes to the window. Each is owned by the mode (Qt parent) and
/// visible, with its shortcut, only while the mode is active. The same action may appear in
/// several lists (a menu entry that is also a toolbar button).
struct ModeActions {
  QList<QAction*> toolBar;   ///< the mode's own toolbar (right end of the menu bar); none if empty
  QList<QAction*> editMenu;  ///< appended to Edit, below Undo / Redo
  QList<QAction*> viewMenu;  ///< in View, below the list of modes
};

class StudioMode : public QObject {
  Q_OBJECT

 public:
  explicit StudioMode(const ModeContext& context, QObject* parent = nullptr)
      : QObject(parent), m_context(context) {}

  // ---- identity: constant for the mode's lifetime ----
  /// Stable lower-case name, [a-z_]+ ("design"): the settings group "modes/<id>" and the
  /// object names "mode_<id>" (mode-bar action) and "toolBar_<id>". Never rename one: users'
  /// saved state is keyed by it.
  virtual QString id() const = 0;
  /// Shown in the mode bar and the View menu ("Design"); may carry a mnemonic ("&Design").
  virtual QString title() const = 0;
  virtual QIcon icon() const = 0;
  /// One sentence on what the mode is for ("Design: edit the network graph"); the manager
  /// appends the shortcut.
  virtual QString toolTip() const = 0;

  // ---- contents: created by the constructor; the window takes them over (Qt parents) ----
  /// The central widget, shown while the mode is active.
  virtual QWidget* widget() const = 0;
  /// Dock panels, shown while the mode is active. Each needs an object name unique in the
  /// window: QMainWindow::saveState() keys the layout by it.
  virtual QList<QDockWidget*> docks() const { return {}; }
  /// Places docks() in their default arrangement in `window` (addDockWidget, splitDockWidget,
  /// resizeDocks). Called once when the mode is added and again by View → Reset Layout, after
  /// the manager has docked and shown every dock.
  virtual void arrangeDocks(QMainWindow* window) { (void)window; }
  /// Asked once, when the mode is added.
  virtual ModeActions actions() const { return {}; }

  // ---- switching ----
  /// The mode became the current one; its widget is already shown. Start what only matters
  /// while visible (refresh timers, focus).
  virtual void activate() {}
  /// Another mode is about to become current. Stop what activate() started. Long work the user
  /// started (a training run) goes on.
  virtual void deactivate() {}

  /// The window is about to close. Return false to keep it open (the user cancelled); a mode
  /// with work in progress (a training run) asks here and ends that work cleanly before
  /// returning true. `parent` is the window, for dialogs.
  virtual bool confirmClose(QWidget* parent) {
    (void)parent;
    return true;
  }

  // ---- persistent UI state (QSettings, organisation "Loom", application "Loom Studio") ----
  /// Writes the mode's view state into `settings`, whose group "modes/<id>" is already open.
  /// Dock layout and visibility are saved by the window; do not save them here.
  virtual void saveState(QSettings& settings) const { (void)settings; }
  /// Reads what saveState() wrote (same group open); missing keys mean "first start".
  virtual void restoreState(QSettings& settings) { (void)settings; }

 signals:
  /// A transient message for the window's status bar (a refused edit, "Saved …").
  void statusMessage(const QString& message);
  /// The mode asks to be current with its widget shown: the user acted in one of its docks
  /// on something the widget shows (a Problems row, a palette double-click), possibly while
  /// another page such as the start page covered it.
  void activationRequested();

 protected:
  const ModeContext& context() const { return m_context; }
  Document* document() const { return m_context.document; }
  RunStore* runs() const { return m_context.runs; }
  TrainSession* training() const { return m_context.training; }

 private:
  ModeContext m_context;
};

}  // namespace loom::studio
