#include "widgets/shell/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QUndoCommand>
#include <QUndoView>

#include "engine/plugin/plugin_loader.h"
#include "widgets/document/document.h"
#include "widgets/shell/about_plugins_dialog.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/canvas_host.h"
#include "widgets/shell/palette_panel.h"
#include "widgets/shell/problems_panel.h"
#include "widgets/shell/properties_panel.h"
#include "widgets/shell/shortcuts_dialog.h"
#include "widgets/shell/start_page.h"
#include "widgets/shell/status_summary.h"
#include "widgets/shell/training_settings_dialog.h"

namespace loom::studio {

namespace {

constexpr int kMaxRecentFiles = 8;
constexpr int kLayoutVersion = 1;  // bump when docks change so old saved layouts are ignored
const QString kFileFilter = QStringLiteral("Loom models (*.loom);;All files (*)");

// The one undo step a restored session starts with: from the file on disk (or nothing) to
// the autosaved graph and training settings, so the document is "modified" and undo shows
// what was restored.
class RestoreCommand : public QUndoCommand {
 public:
  RestoreCommand(Document* doc, Model before, Model after)
      : QUndoCommand(QObject::tr("Restore autosaved changes")),
        m_doc(doc),
        m_before(std::move(before)),
        m_after(std::move(after)) {}
  void redo() override { apply(m_after); }
  void undo() override { apply(m_before); }

 private:
  void apply(const Model& m) {
    m_doc->applyTrainingSettings(m.training, m.dataset);
    m_doc->applyGraph(m.graph, {});
  }
  Document* m_doc;
  Model m_before, m_after;
};

// The Training Settings button: three sliders (painted, so it needs no resource file), knobs
// in the colours of the Design icon, readable on light and dark themes.
QIcon slidersIcon() {
  QPixmap pixmap(56, 56);
  pixmap.setDevicePixelRatio(2);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  const std::pair<double, QColor> rows[] = {{9, QColor(0x3b, 0x82, 0xc4)},
                                            {19, QColor(0xd9, 0x82, 0x2b)},
                                            {13, QColor(0x2f, 0x9e, 0x8f)}};
  for (int i = 0; i < 3; ++i) {
    const double y = 6 + i * 8;
    p.setPen(QPen(QColor(0x8a, 0x8f, 0x98), 2, Qt::SolidLine, Qt::RoundCap));
    p.drawLine(QPointF(4, y), QPointF(24, y));
    p.setPen(Qt::NoPen);
    p.setBrush(rows[i].second);
    p.drawEllipse(QPointF(rows[i].first, y), 3.4, 3.4);
  }
  return QIcon(pixmap);
}

}  // namespace

MainWindow::MainWindow(const MainWindowOptions& options, QWidget* parent)
    : QMainWindow(parent), m_options(options), m_doc(new Document(this)) {
  setObjectName(QStringLiteral("mainWindow"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/loom.svg")));
  setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

  m_center = new QStackedWidget(this);
  m_startPage = new StartPage(m_center);
  m_canvas = createCanvas(m_doc, m_center);
  m_center->addWidget(m_startPage);
  m_center->addWidget(m_canvas->widget());
  setCentralWidget(m_center);

  m_summary = new StatusSummary(m_doc, this);
  statusBar()->addPermanentWidget(m_summary);

  createDocks();
  createActions();
  createMenus();

  connect(m_startPage, &StartPage::newRequested, this, &MainWindow::newDocument);
  connect(m_startPage, &StartPage::openRequested, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), {}, kFileFilter);
    if (!path.isEmpty()) openFile(path);
  });
  connect(m_startPage, &StartPage::templateChosen, this, &MainWindow::openTemplate);
  connect(m_startPage, &StartPage::recentChosen, this, &MainWindow::openFile);

  connect(m_canvas, &CanvasHost::selectionChanged, this, &MainWindow::onSelectionChanged);
  connect(m_canvas, &CanvasHost::statusMessage, this, &MainWindow::showStatus);
  connect(m_doc, &Document::modifiedChanged, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::filePathChanged, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::modelReset, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::graphChanged, this, [this] {
    if (isStartPageShown()) showEditor();  // an edit (undo, paste) shows what it changed
  });

  m_autosaver = new Autosaver(m_doc, m_options.autosaveIntervalMs, m_options.autosaveDirectory, this);
  connect(m_autosaver, &Autosaver::autosaved, this,
          [this] { showStatus(tr("Autosaved at %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")))); });

  restoreSettings();
  m_startPage->setRecentFiles(recentFiles());
  showStartPage();
  updateTitle();
}

MainWindow::~MainWindow() = default;

bool MainWindow::isStartPageShown() const { return m_center->currentWidget() == m_startPage; }

void MainWindow::showEditor() {
  m_center->setCurrentWidget(m_canvas->widget());
  m_canvas->widget()->setFocus();
}

void MainWindow::showStartPage() {
  m_startPage->setRecentFiles(recentFiles());
  m_center->setCurrentWidget(m_startPage);
}

// ---- construction -------------------------------------------------------------------------

void MainWindow::createDocks() {
  auto makeDock = [this](const QString& title, const QString& name, QWidget* content) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(name);  // saveState() keys the layout by object name
    dock->setWidget(content);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    return dock;
  };
  m_palette = new PalettePanel(this);
  m_paletteDock = makeDock(tr("Palette"), QStringLiteral("paletteDock"), m_palette);
  addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);
  connect(m_palette, &PalettePanel::opActivated, this, &MainWindow::addOpAtViewCenter);

  m_properties = new PropertiesPanel(m_doc, this);
  m_propertiesDock = makeDock(tr("Properties"), QStringLiteral("propertiesDock"), m_properties);
  addDockWidget(Qt::RightDockWidgetArea, m_propertiesDock);
  connect(m_properties, &PropertiesPanel::statusMessage, this, &MainWindow::showStatus);
  connect(m_properties, &PropertiesPanel::nodeRenamed, this, [this](const QString& name) {
    m_canvas->selectNodes({name});
    m_properties->setNode(name);  // also when the canvas kept the selection (no signal)
  });

  m_undoView = new QUndoView(m_doc->undoStack(), this);
  m_undoView->setEmptyLabel(tr("<opened>"));
  m_undoDock = makeDock(tr("Undo History"), QStringLiteral("undoDock"), m_undoView);
  addDockWidget(Qt::RightDockWidgetArea, m_undoDock);
  splitDockWidget(m_propertiesDock, m_undoDock, Qt::Vertical);

  m_problems = new ProblemsPanel(m_doc, this);
  m_problemsDock = makeDock(tr("Problems"), QStringLiteral("problemsDock"), m_problems);
  addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
  connect(m_problems, &ProblemsPanel::problemCountChanged, this, [this](int count) {
    m_problemsDock->setWindowTitle(count == 0 ? tr("Problems") : tr("Problems (%1)").arg(count));
  });
  connect(m_problems, &ProblemsPanel::nodeActivated, this, [this](const QString& node) {
    showEditor();
    m_canvas->selectNodes({node});
    m_canvas->centerOnNode(node);
  });

  resizeDocks({m_paletteDock, m_propertiesDock}, {200, 310}, Qt::Horizontal);
  resizeDocks({m_propertiesDock, m_undoDock}, {560, 110}, Qt::Vertical);
  resizeDocks({m_problemsDock}, {90}, Qt::Vertical);
}

void MainWindow::createActions() {
  // Actions are created in createMenus(); this keeps the mode bar separate.
  auto* modeBar = new QToolBar(tr("Modes"), this);
  modeBar->setObjectName(QStringLiteral("modeBar"));
  modeBar->setMovable(false);
  modeBar->setToolButtonStyle(Qt::ToolButtonTextUnderIcon);
  modeBar->setIconSize(QSize(28, 28));
  auto* modes = new QActionGroup(this);
  QAction* design = modeBar->addAction(QIcon(QStringLiteral(":/icons/mode_design.svg")), tr("Design"));
  design->setObjectName(QStringLiteral("modeDesign"));
  design->setCheckable(true);
  design->setChecked(true);
  design->setToolTip(tr("Design: edit the network graph"));
  modes->addAction(design);
  connect(design, &QAction::triggered, this, [this] {
    if (isStartPageShown() && !m_doc->graph().nodes().empty()) showEditor();
  });

  // Below the modes: the model's training settings (they belong to no single mode).
  auto* spacer = new QWidget(modeBar);
  spacer->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
  modeBar->addWidget(spacer);
  m_trainingSettingsAction = new QAction(slidersIcon(), tr("Training Settings…"), this);
  m_trainingSettingsAction->setObjectName(QStringLiteral("actionTrainingSettings"));
  m_trainingSettingsAction->setIconText(tr("Training"));
  m_trainingSettingsAction->setToolTip(
      tr("Training settings: epochs, optimizer, schedule, loss, data"));
  connect(m_trainingSettingsAction, &QAction::triggered, this, [this] { showTrainingSettings(); });
  modeBar->addAction(m_trainingSettingsAction);
  addToolBar(Qt::LeftToolBarArea, modeBar);
}

void MainWindow::createMenus() {
  auto add = [this](QMenu* menu, const QString& text, const QList<QKeySequence>& keys, auto slot,
                    const QString& name = {}) {
    QAction* action = menu->addAction(text);
    if (!name.isEmpty()) action->setObjectName(name);
    action->setShortcuts(keys);
    connect(action, &QAction::triggered, this, slot);
    if (!keys.isEmpty()) m_shortcutActions << action;
    return action;
  };

  QMenu* file = menuBar()->addMenu(tr("&File"));
  add(file, tr("&New"), {QKeySequence::New}, [this] { newDocument(); }, QStringLiteral("actionNew"));
  add(file, tr("&Open…"), {QKeySequence::Open}, [this] {
    if (!maybeDiscardChanges()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), {}, kFileFilter);
    if (!path.isEmpty()) openFile(path);
  }, QStringLiteral("actionOpen"));
  m_recentMenu = file->addMenu(tr("Open &Recent"));
  add(file, tr("Start &Page"), {}, [this] { showStartPage(); });
  file->addSeparator();
  add(file, tr("&Save"), {QKeySequence::Save}, [this] { save(); }, QStringLiteral("actionSave"));
  add(file, tr("Save &As…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)}, [this] { saveAs(); });
  file->addSeparator();
  add(file, tr("&Quit"), {QKeySequence(Qt::CTRL | Qt::Key_Q)}, [this] { close(); });
  updateRecentMenu();

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Z)});
  QAction* redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcuts({QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
  edit->addAction(undo);
  edit->addAction(redo);
  m_shortcutActions << undo << redo;
  edit->addSeparator();
  add(edit, tr("&Copy"), {QKeySequence(Qt::CTRL | Qt::Key_C)}, [this] { copySelection(); });
  add(edit, tr("&Paste"), {QKeySequence(Qt::CTRL | Qt::Key_V)}, [this] { paste(); });
  add(edit, tr("&Duplicate"), {QKeySequence(Qt::CTRL | Qt::Key_D)}, [this] { duplicateSelection(); });
  add(edit, tr("De&lete"), {QKeySequence(Qt::Key_Delete), QKeySequence(Qt::Key_Backspace)},
      [this] { deleteSelection(); }, QStringLiteral("actionDelete"));
  edit->addSeparator();
  add(edit, tr("Find in &Palette"), {QKeySequence(Qt::CTRL | Qt::Key_F)}, [this] {
    m_paletteDock->show();
    m_paletteDock->raise();
    m_palette->focusSearch();
  });

  QMenu* modelMenu = menuBar()->addMenu(tr("&Model"));
  modelMenu->addAction(m_trainingSettingsAction);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  m_fitAction = add(view, tr("&Fit Graph in View"), {QKeySequence(Qt::Key_F)}, [this] {
    showEditor();
    m_canvas->fitAll();
  });
  // A bare letter must not fire while typing in a field: only when the canvas has focus.
  m_fitAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  m_canvas->widget()->addAction(m_fitAction);
  view->addSeparator();
  QMenu* panels = view->addMenu(tr("&Panels"));
  for (QDockWidget* dock : {m_paletteDock, m_propertiesDock, m_problemsDock, m_undoDock})
    panels->addAction(dock->toggleViewAction());
  add(view, tr("&Reset Layout"), {}, [this] {
    for (QDockWidget* dock : {m_paletteDock, m_propertiesDock, m_problemsDock, m_undoDock}) {
      dock->setFloating(false);
      dock->show();
    }
    addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);
    addDockWidget(Qt::RightDockWidgetArea, m_propertiesDock);
    splitDockWidget(m_propertiesDock, m_undoDock, Qt::Vertical);
    addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
  });
  QMenu* themeMenu = view->addMenu(tr("&Theme"));
  m_themeGroup = new QActionGroup(this);
  for (auto [theme, label] : {std::pair{Theme::System, tr("Follow &System")}, std::pair{Theme::Light, tr("&Light")},
                              std::pair{Theme::Dark, tr("&Dark")}}) {
    QAction* a = themeMenu->addAction(label);
    a->setCheckable(true);
    a->setData(static_cast<int>(theme));
    a->setObjectName(QStringLiteral("theme_") + themeName(theme));
    m_themeGroup->addAction(a);
    connect(a, &QAction::triggered, this, [this, theme = theme] { setTheme(theme); });
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  add(help, tr("&Keyboard Shortcuts"), {}, [this] {
    ShortcutsDialog dialog(shortcutActions(), this);
    dialog.exec();
  }, QStringLiteral("actionShortcuts"));
  add(help, tr("About &Plugins…"), {}, [this] {
    AboutPluginsDialog dialog(loadDefaultPlugins(), this);
    dialog.exec();
  }, QStringLiteral("actionAboutPlugins"));
  add(help, tr("&About Loom Studio"), {}, [this] {
    QMessageBox::about(this, tr("About Loom Studio"),
                       tr("<h3>Loom Studio %1</h3><p>A desktop deep-learning workbench: design a "
                          "network here, train it with <code>loom train</code>.</p>")
                           .arg(QCoreApplication::applicationVersion()));
  });
}

QList<QAction*> MainWindow::shortcutActions() const { return m_shortcutActions; }

// ---- settings ---------------------------------------------------------------------------------

void MainWindow::restoreSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1280, 800);
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), kLayoutVersion);
  const auto theme = parseTheme(settings.value(QStringLiteral("theme"), QStringLiteral("system")).toString());
  setTheme(theme.value_or(Theme::System));
}

void MainWindow::saveSettings() {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
}

void MainWindow::setTheme(Theme theme) {
  m_theme = theme;
  applyTheme(theme);
  for (QAction* a : m_themeGroup->actions()) a->setChecked(a->data().toInt() == static_cast<int>(theme));
  QSettings().setValue(QStringLiteral("theme"), themeName(theme));
}

QStringList MainWindow::recentFiles() const {
  return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecentFile(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  QStringList files = recentFiles();
  files.removeAll(absolute);
  files.prepend(absolute);
  while (files.size() > kMaxRecentFiles) files.removeLast();
  QSettings().setValue(QStringLiteral("recentFiles"), files);
  updateRecentMenu();
  m_startPage->setRecentFiles(files);
}

void MainWindow::updateRecentMenu() {
  m_recentMenu->clear();
  const QStringList files = recentFiles();
  for (const QString& path : files) {
    QAction* a = m_recentMenu->addAction(QFileInfo(path).fileName());
    a->setToolTip(path);
    a->setStatusTip(path);
    a->setEnabled(QFileInfo::exists(path));
    connect(a, &QAction::triggered, this, [this, path] { openFile(path); });
  }
  if (files.isEmpty()) m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
  m_recentMenu->addSeparator();
  m_recentMenu->addAction(tr("Clear Recent Files"), this, [this] {
    QSettings().remove(QStringLiteral("recentFiles"));
    updateRecentMenu();
    m_startPage->setRecentFiles({});
  });
}

void MainWindow::updateTitle() {
  QString name;
  if (!m_doc->filePath().isEmpty())
    name = QFileInfo(m_doc->filePath()).fileName();
  else if (!m_untitledName.isEmpty())
    name = m_untitledName;
  else
    name = tr("Untitled");
  setWindowTitle(tr("%1[*] — Loom Studio").arg(name));
  setWindowModified(m_doc->isModified());
}

void MainWindow::showStatus(const QString& message) { statusBar()->showMessage(message, 8000); }

// ---- files ------------------------------------------------------------------------------------

bool MainWindow::maybeDiscardChanges() {
  if (!m_doc->isModified()) return true;
  const QString name = m_doc->filePath().isEmpty() ? (m_untitledName.isEmpty() ? tr("Untitled") : m_untitledName)
                                                   : QFileInfo(m_doc->filePath()).fileName();
  const auto answer = QMessageBox::warning(
      this, tr("Unsaved Changes"), tr("\"%1\" has unsaved changes. Save them first?").arg(name),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool MainWindow::newDocument() {
  if (!maybeDiscardChanges()) return false;
  Model empty;
  empty.name = "untitled";
  applyDefaults(empty);
  m_untitledName.clear();
  m_doc->resetModel(empty);
  m_autosaver->discard();
  showEditor();
  updateTitle();
  return true;
}

bool MainWindow::openFile(const QString& path) {
  if (!maybeDiscardChanges()) return false;
  const Status status = m_doc->load(path);
  if (!status.isOk()) {
    QMessageBox::warning(this, tr("Cannot Open Model"), QString::fromStdString(status.message()));
    return false;
  }
  m_untitledName.clear();
  m_autosaver->discard();
  addRecentFile(path);
  showEditor();
  m_canvas->fitAll();
  updateTitle();
  showStatus(tr("Opened %1").arg(QDir::toNativeSeparators(path)));
  return true;
}

bool MainWindow::openTemplate(const QString& resource, const QString& title) {
  if (!maybeDiscardChanges()) return false;
  QFile file(resource);
  if (!file.open(QIODevice::ReadOnly)) {
    QMessageBox::warning(this, tr("Cannot Open Template"), tr("Cannot read %1").arg(resource));
    return false;
  }
  Expected<Model> model = parseModel(file.readAll().toStdString(), resource.toStdString());
  if (!model) {
    QMessageBox::warning(this, tr("Cannot Open Template"), QString::fromStdString(model.status().message()));
    return false;
  }
  m_untitledName = title.isEmpty() ? QString::fromStdString(model->name) : title;
  m_doc->resetModel(*model);  // untitled: Save asks where, the template stays untouched
  m_autosaver->discard();
  showEditor();
  m_canvas->fitAll();
  updateTitle();
  return true;
}

bool MainWindow::save() {
  if (m_doc->filePath().isEmpty() || m_doc->filePath().startsWith(QLatin1Char(':'))) return saveAs();
  const Status status = m_doc->save(m_doc->filePath());
  if (!status.isOk()) {
    QMessageBox::warning(this, tr("Cannot Save Model"), QString::fromStdString(status.message()));
    return false;
  }
  m_autosaver->discard();
  addRecentFile(m_doc->filePath());
  updateTitle();
  showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(m_doc->filePath())));
  return true;
}

bool MainWindow::saveAs(const QString& requested) {
  QString path = requested;
  if (path.isEmpty()) {
    QString suggestion = m_doc->filePath();
    if (suggestion.isEmpty()) suggestion = (m_untitledName.isEmpty() ? QStringLiteral("model") : m_untitledName) + QStringLiteral(".loom");
    path = QFileDialog::getSaveFileName(this, tr("Save Model As"), suggestion, kFileFilter);
    if (path.isEmpty()) return false;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".loom");
  }
  const Status status = m_doc->save(path);
  if (!status.isOk()) {
    QMessageBox::warning(this, tr("Cannot Save Model"), QString::fromStdString(status.message()));
    return false;
  }
  m_untitledName.clear();
  m_autosaver->discard();
  addRecentFile(path);
  updateTitle();
  showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
  return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!maybeDiscardChanges()) {
    event->ignore();
    return;
  }
  saveSettings();
  m_autosaver->discard();  // the user saved or chose to discard: nothing to recover
  event->accept();
}

// ---- recovery ---------------------------------------------------------------------------------

void MainWindow::offerRecovery() {
  const QList<RecoverableSession> sessions = Autosaver::recoverableSessions(m_autosaver->directory());
  for (const RecoverableSession& s : sessions) {
    const QString name = s.originalPath.isEmpty() ? tr("an untitled model") : QFileInfo(s.originalPath).fileName();
    bool restore = false;
    if (m_recoveryAnswer) {
      restore = *m_recoveryAnswer;
    } else {
      QMessageBox box(QMessageBox::Question, tr("Restore Unsaved Changes"),
                      tr("Loom Studio did not close normally. Unsaved changes to %1 were autosaved "
                         "at %2.\n\nRestore them?")
                          .arg(name, QLocale().toString(s.savedAt.toLocalTime(), QLocale::ShortFormat)),
                      QMessageBox::NoButton, this);
      box.setObjectName(QStringLiteral("restoreBox"));
      QPushButton* restoreButton = box.addButton(tr("Restore"), QMessageBox::AcceptRole);
      box.addButton(tr("Discard"), QMessageBox::DestructiveRole);
      box.setDefaultButton(restoreButton);
      box.exec();
      restore = box.clickedButton() == restoreButton;
    }
    if (!restore) {
      Autosaver::removeSession(s);
      continue;
    }
    if (restoreSession(s)) {
      Autosaver::removeSession(s);
      return;  // one document per window; other sessions are offered at the next start
    }
  }
}

bool MainWindow::restoreSession(const RecoverableSession& session) {
  Expected<Model> restored = loadModel(session.autosavePath.toStdString());
  if (!restored) {
    QMessageBox::warning(this, tr("Cannot Restore"), QString::fromStdString(restored.status().message()));
    return false;
  }
  // Start from the file on disk (so Save writes back there and "modified" compares with it),
  // then one undo step to the autosaved graph.
  Model base = *restored;
  base.graph = Graph();
  QString path;
  if (!session.originalPath.isEmpty()) {
    if (Expected<Model> original = loadModel(session.originalPath.toStdString())) {
      base.graph = original->graph;
      base.training = original->training;
      base.dataset = original->dataset;
      path = session.originalPath;
    }
  }
  m_untitledName = path.isEmpty() ? QString::fromStdString(restored->name) + tr(" (restored)") : QString();
  m_doc->resetModel(base, path);
  m_doc->undoStack()->push(new RestoreCommand(m_doc, base, *restored));
  // Write the new session's autosave before the old one is deleted: never a moment with
  // the edits in memory only.
  (void)m_autosaver->autosaveNow();
  showEditor();
  m_canvas->fitAll();
  updateTitle();
  showStatus(tr("Restored unsaved changes from %1").arg(session.savedAt.toLocalTime().toString()));
  return true;
}

// ---- edits --------------------------------------------------------------------------------------

void MainWindow::onSelectionChanged(const QStringList& nodes) {
  m_properties->setNode(nodes.size() == 1 ? nodes.front() : QString());
}

void MainWindow::addOpAtViewCenter(const QString& op) {
  showEditor();
  Expected<QString> added = m_doc->addNode(op, m_canvas->viewCenter());
  if (!added) {
    showStatus(QString::fromStdString(added.status().message()));
    return;
  }
  m_canvas->selectNodes({*added});
  showStatus(tr("Added %1").arg(*added));
}

TrainingSettingsDialog* MainWindow::showTrainingSettings() {
  for (auto* open : findChildren<TrainingSettingsDialog*>()) {
    if (!open->isVisible()) continue;  // closed, waiting for deletion
    open->raise();
    open->activateWindow();
    return open;
  }
  auto* dialog = new TrainingSettingsDialog(m_doc, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->open();
  return dialog;
}

void MainWindow::copySelection() { m_canvas->copySelection(); }
void MainWindow::paste() { m_canvas->paste(); }
void MainWindow::duplicateSelection() { m_canvas->duplicateSelection(); }
void MainWindow::deleteSelection() { m_canvas->deleteSelection(); }

}  // namespace loom::studio
