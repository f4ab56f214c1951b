#include "widgets/modes/mode_manager.h"

#include <QAction>
#include <QActionGroup>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QSettings>
#include <QStackedWidget>
#include <QToolBar>

namespace loom::studio {

namespace {

constexpr int kShortcutModes = 9;  // Ctrl+1 … Ctrl+9

QString settingsKeyHiddenDocks(const StudioMode* mode) {
  return QStringLiteral("window/hiddenDocks/") + mode->id();
}

QString plainTitle(const StudioMode* mode) {
  QString title = mode->title();
  return title.remove(QLatin1Char('&'));
}

}  // namespace

ModeManager::ModeManager(const std::vector<ModeFactory>& factories, const ModeContext& context,
                         QMainWindow* window, QStackedWidget* center)
    : QObject(window),
      m_window(window),
      m_center(center),
      m_modeBar(new QToolBar(tr("Modes"), window)),
      m_switchGroup(new QActionGroup(this)) {
  Q_ASSERT(!factories.empty());
  m_modeBar->setObjectName(QStringLiteral("modeBar"));
  m_modeBar->setMovable(false);
  m_modeBar->setFloatable(false);
  m_modeBar->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
  m_modeBar->setIconSize(QSize(28, 28));
  m_window->addToolBar(Qt::LeftToolBarArea, m_modeBar);
  // The modes' toolbars share the menu bar's row: a mode's few actions should not cost the
  // canvas a row of height.
  auto* toolBars = new QWidget(m_window->menuBar());
  toolBars->setObjectName(QStringLiteral("modeToolBars"));
  m_toolBarRow = new QHBoxLayout(toolBars);
  m_toolBarRow->setContentsMargins(0, 0, 0, 0);
  m_window->menuBar()->setCornerWidget(toolBars, Qt::TopRightCorner);
  for (const ModeFactory& create : factories)
    addMode(create(context, this), static_cast<int>(m_modes.size()));
  for (StudioMode* mode : m_modes) showMode(mode, false);
  setCurrent(m_modes.front());
}

ModeManager::~ModeManager() {
  for (auto it = m_modes.rbegin(); it != m_modes.rend(); ++it) {
    StudioMode* mode = *it;
    QWidget* widget = mode->widget();
    const QList<QDockWidget*> docks = mode->docks();
    delete m_entries[mode].toolBar;
    delete mode;  // first: its connections between its widgets go with it
    delete widget;
    qDeleteAll(docks);
  }
}

void ModeManager::addMode(StudioMode* mode, int position) {
  Q_ASSERT(mode && !this->mode(mode->id()));
  m_modes << mode;
  Entry& entry = m_entries[mode];
  entry.actions = mode->actions();

  QAction* select = new QAction(mode->icon(), mode->title(), this);
  select->setObjectName(QStringLiteral("mode_") + mode->id());
  select->setCheckable(true);
  QString tip = mode->toolTip();
  if (position < kShortcutModes) {
    const QKeySequence key(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + position));
    select->setShortcut(key);
    tip += QStringLiteral(" (%1)").arg(key.toString(QKeySequence::NativeText));
  }
  select->setToolTip(tip);
  m_switchGroup->addAction(select);
  m_modeBar->addAction(select);
  connect(select, &QAction::triggered, this, [this, mode] {
    setCurrent(mode);
    showCurrentWidget();
  });
  entry.switchAction = select;

  m_center->addWidget(mode->widget());
  for (QDockWidget* dock : mode->docks()) {
    Q_ASSERT(!dock->objectName().isEmpty());
    m_window->addDockWidget(Qt::RightDockWidgetArea, dock);  // so none is left without a place
  }
  mode->arrangeDocks(m_window);

  if (!entry.actions.toolBar.isEmpty()) {
    entry.toolBar = new QToolBar(plainTitle(mode));
    entry.toolBar->setObjectName(QStringLiteral("toolBar_") + mode->id());
    entry.toolBar->setMovable(false);
    entry.toolBar->setFloatable(false);
    entry.toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    entry.toolBar->setIconSize(QSize(16, 16));
    entry.toolBar->addActions(entry.actions.toolBar);
    m_toolBarRow->addWidget(entry.toolBar);
  }
  connect(mode, &StudioMode::statusMessage, this, &ModeManager::statusMessage);
  connect(mode, &StudioMode::activationRequested, this, [this, mode] {
    setCurrent(mode);
    showCurrentWidget();
  });
}

StudioMode* ModeManager::mode(const QString& id) const {
  for (StudioMode* m : m_modes)
    if (m->id() == id) return m;
  return nullptr;
}

QList<QAction*> ModeManager::switchActions() const {
  QList<QAction*> actions;
  for (StudioMode* m : m_modes) actions << m_entries.value(m).switchAction;
  return actions;
}

// ---- switching ---------------------------------------------------------------------------------

void ModeManager::setCurrent(StudioMode* mode) {
  Q_ASSERT(m_modes.contains(mode));
  if (mode == m_current) return;
  if (m_current) m_entries[m_current].hiddenDocks = closedDocks(m_current);
  switchTo(mode);
}

void ModeManager::switchTo(StudioMode* mode) {
  if (StudioMode* old = m_current) {
    old->deactivate();
    showMode(old, false);
  }
  m_current = mode;
  showMode(mode, true);
  m_entries[mode].switchAction->setChecked(true);
  showCurrentWidget();
  mode->activate();
  emit currentChanged(mode);
}

void ModeManager::showCurrentWidget() {
  m_center->setCurrentWidget(m_current->widget());
}

void ModeManager::showMode(StudioMode* mode, bool shown) {
  const Entry& entry = m_entries[mode];
  for (QAction* a : entry.menuEntries) a->setVisible(shown);
  for (QAction* a : entry.actions.toolBar) a->setVisible(shown);
  if (entry.toolBar) entry.toolBar->setVisible(shown);
  for (QDockWidget* dock : mode->docks())
    dock->setVisible(shown && !entry.hiddenDocks.contains(dock->objectName()));
  if (shown) fitToolBarRow();
}

QStringList ModeManager::closedDocks(StudioMode* mode) const {
  // Hidden on purpose (closed by the user, or by restoreState()). Not the toggle action's state:
  // it reads unchecked until the window is first shown. A dock behind another tab is not hidden.
  QStringList closed;
  for (QDockWidget* dock : mode->docks())
    if (dock->isHidden()) closed << dock->objectName();
  return closed;
}

// ---- menus -------------------------------------------------------------------------------------

void ModeManager::addEditActions(QMenu* menu) {
  addMenuEntries(menu, &ModeActions::editMenu);
}

void ModeManager::addViewActions(QMenu* menu) {
  addMenuEntries(menu, &ModeActions::viewMenu);
}

void ModeManager::addMenuEntries(QMenu* menu, QList<QAction*> ModeActions::*list) {
  for (StudioMode* mode : m_modes) {
    Entry& entry = m_entries[mode];
    const QList<QAction*>& actions = entry.actions.*list;
    if (actions.isEmpty()) continue;
    entry.menuEntries << menu->addSeparator();
    menu->addActions(actions);
    entry.menuEntries << actions;
    for (QAction* a : entry.menuEntries) a->setVisible(mode == m_current);
  }
}

void ModeManager::fillPanelsMenu(QMenu* menu) const {
  menu->clear();
  for (QDockWidget* dock : m_current->docks()) menu->addAction(dock->toggleViewAction());
}

void ModeManager::resetLayout() {
  for (QDockWidget* dock : m_current->docks()) {
    dock->setFloating(false);
    dock->show();
  }
  m_current->arrangeDocks(m_window);
}

QList<QAction*> ModeManager::modeActions() const {
  QList<QAction*> all;
  for (StudioMode* mode : m_modes) {
    const ModeActions& a = m_entries.value(mode).actions;
    for (const QList<QAction*>* list : {&a.editMenu, &a.viewMenu, &a.toolBar})
      for (QAction* action : *list)
        if (!action->isSeparator() && !all.contains(action)) all << action;
  }
  return all;
}

// ---- settings ----------------------------------------------------------------------------------

void ModeManager::saveState(QSettings& settings) const {
  settings.setValue(QStringLiteral("window/mode"), m_current->id());
  for (StudioMode* mode : m_modes) {
    const QStringList hidden =
        mode == m_current ? closedDocks(mode) : m_entries.value(mode).hiddenDocks;
    settings.setValue(settingsKeyHiddenDocks(mode), hidden);
    settings.beginGroup(QStringLiteral("modes/") + mode->id());
    mode->saveState(settings);
    settings.endGroup();
  }
}

void ModeManager::restoreState(QSettings& settings) {
  for (StudioMode* mode : m_modes) {
    m_entries[mode].hiddenDocks = settings.value(settingsKeyHiddenDocks(mode)).toStringList();
    settings.beginGroup(QStringLiteral("modes/") + mode->id());
    mode->restoreState(settings);
    settings.endGroup();
  }
  StudioMode* saved = mode(settings.value(QStringLiteral("window/mode")).toString());
  // The saved dock lists are the truth now: switch without recording the old mode's docks.
  if (saved && saved != m_current) switchTo(saved);
  // QMainWindow::restoreState() set every dock's visibility from the last session's window.
  for (StudioMode* mode : m_modes) showMode(mode, mode == m_current);
}

void ModeManager::fitToolBarRow() {
  // QMenuBar sizes its corner widget only when it lays itself out (setCornerWidget, resize),
  // not when the widget's size hint changes; another mode's toolbar changes the row's width,
  // and without this the new one was cut to the old one's width behind a >> button.
  QWidget* row = m_toolBarRow->parentWidget();
  row->adjustSize();
  m_window->menuBar()->setCornerWidget(row, Qt::TopRightCorner);
}

}  // namespace loom::studio
