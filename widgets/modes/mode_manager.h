// ModeManager: creates the studio's modes and shows one at a time in a main window.
//
// From the list of modes (studioModes(), modes.h) it builds everything that names them, so
// nothing else lists modes by hand:
//  * the mode bar (a vertical toolbar, left) with one checkable action per mode, in list
//    order, with the mode's icon, title and tooltip; the first nine get Ctrl+1 … Ctrl+9;
//  * the same actions for the View menu (switchActions());
//  * per mode, a toolbar (object name "toolBar_<id>") from ModeActions::toolBar, at the right
//    end of the menu bar's row (it costs the mode's widget no height), and its entries in Edit
//    and View.
// Exactly one mode is current: its widget is the current page of the central stack and its
// docks, toolbar and actions are shown; every other mode's are hidden, so their shortcuts are
// off. Switching remembers which of the old mode's docks the user had closed, and shows the new
// mode's docks as the user left them.
//
// Persistent state (QSettings, saveState() / restoreState()): "window/mode" (the current
// mode's id), "window/hiddenDocks/<id>" (object names of the docks the user closed), and each
// mode's own group "modes/<id>" (StudioMode::saveState). Dock positions are part of the
// window's QMainWindow::saveState(), which the window saves itself; call restoreState() after
// QMainWindow::restoreState(), which would otherwise decide dock visibility.
#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <vector>

#include "widgets/modes/modes.h"
#include "widgets/modes/studio_mode.h"

class QAction;
class QActionGroup;
class QHBoxLayout;
class QMainWindow;
class QMenu;
class QSettings;
class QStackedWidget;
class QToolBar;

namespace loom::studio {

class ModeManager : public QObject {
  Q_OBJECT

 public:
  /// Creates one mode per factory over `context`, in order, and adds each to `window`: its
  /// widget to `center`, its docks to the window (arrangeDocks()), its toolbar. The first mode
  /// becomes current. `window` and `center` must outlive the manager (the manager is a child
  /// of `window`). `factories` must not be empty.
  ModeManager(const std::vector<ModeFactory>& factories, const ModeContext& context,
              QMainWindow* window, QStackedWidget* center);
  /// Deletes every mode with its widget, docks and toolbar, while the objects of the context
  /// still live (the window deletes the manager first).
  ~ModeManager() override;

  /// Every mode, in list order (owned by the manager).
  const QList<StudioMode*>& modes() const { return m_modes; }
  StudioMode* current() const { return m_current; }
  /// The mode with `id`, or null.
  StudioMode* mode(const QString& id) const;
  /// The first mode that is an M, or null.
  template <class M>
  M* find() const {
    for (StudioMode* m : m_modes)
      if (auto* typed = qobject_cast<M*>(m)) return typed;
    return nullptr;
  }

  /// The mode bar (object name "modeBar"); the window may append its own actions below.
  QToolBar* modeBar() const { return m_modeBar; }
  /// The checkable actions that select each mode (object names "mode_<id>"), in list order.
  QList<QAction*> switchActions() const;

  /// Makes `mode` current (nothing happens when it already is): the old mode is deactivated and
  /// its docks, toolbar and actions hidden; the new mode's are shown, its widget becomes the
  /// centre's current page, and it is activated. Emits currentChanged().
  void setCurrent(StudioMode* mode);
  /// Shows the current mode's widget in the centre (after a page such as the start page).
  void showCurrentWidget();

  /// Appends every mode's ModeActions::editMenu (viewMenu) entries to `menu`, each mode's
  /// behind a separator; they are visible while their mode is current.
  void addEditActions(QMenu* menu);
  void addViewActions(QMenu* menu);
  /// Fills `menu` with the show/hide toggles of the current mode's docks (View → Panels).
  void fillPanelsMenu(QMenu* menu) const;
  /// View → Reset Layout: docks the current mode's docks, shows them and re-arranges them.
  void resetLayout();
  /// Every mode's menu and toolbar actions, mode by mode, for the shortcuts list.
  QList<QAction*> modeActions() const;

  void saveState(QSettings& settings) const;
  /// Restores what saveState() wrote: each mode's own state, the docks the user had closed and
  /// the current mode (the first one when the saved id is unknown).
  void restoreState(QSettings& settings);

 signals:
  void currentChanged(StudioMode* mode);
  /// A mode's StudioMode::statusMessage, forwarded.
  void statusMessage(const QString& message);

 private:
  struct Entry {
    ModeActions actions;  // StudioMode::actions(), asked once
    QAction* switchAction = nullptr;
    QToolBar* toolBar = nullptr;
    QList<QAction*> menuEntries;  // the mode's menu actions and their separators
    QStringList hiddenDocks;      // closed by the user, remembered while the mode is inactive
  };
  void addMode(StudioMode* mode, int position);
  /// setCurrent() without remembering the old mode's closed docks.
  void switchTo(StudioMode* mode);
  void addMenuEntries(QMenu* menu, QList<QAction*> ModeActions::*list);
  void showMode(StudioMode* mode, bool shown);
  void fitToolBarRow();
  QStringList closedDocks(StudioMode* mode) const;

  QMainWindow* m_window;
  QStackedWidget* m_center;
  QToolBar* m_modeBar;
  QHBoxLayout* m_toolBarRow;  // the modes' toolbars, at the right end of the menu bar
  QActionGroup* m_switchGroup;
  QList<StudioMode*> m_modes;
  QHash<StudioMode*, Entry> m_entries;
  StudioMode* m_current = nullptr;
};

}  // namespace loom::studio
