#include "widgets/shell/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QtConcurrent>
#include <functional>

#include "engine/core/exception_boundary.h"
#include "engine/graph/placement.h"
#include "engine/plugin/plugin_loader.h"
#include "widgets/document/document.h"
#include "widgets/modes/modes.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/about_plugins_dialog.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/background.h"
#include "widgets/shell/format.h"
#include "widgets/shell/shortcuts_dialog.h"
#include "widgets/shell/start_page.h"
#include "widgets/shell/status_summary.h"
#include "widgets/shell/training_settings_dialog.h"

namespace loom::studio {

namespace {

constexpr int kMaxRecentFiles = 8;
constexpr int kLayoutVersion = 1;  // bump when docks change so old saved layouts are ignored
const QString kFileFilter = QStringLiteral("Loom models (*.loom);;All files (*)");

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
  m_center->addWidget(m_startPage);
  setCentralWidget(m_center);
  m_runs = new RunStore(this);
  m_training = new TrainSession(this);
  m_modes = new ModeManager(m_options.modes.empty() ? studioModes() : m_options.modes,
                            ModeContext{m_doc, m_runs, m_training}, this, m_center);
  connect(m_modes, &ModeManager::statusMessage, this, &MainWindow::showStatus);

  m_summary = new StatusSummary(m_doc, this);
  statusBar()->addPermanentWidget(m_summary);

  createModeBar();
  createMenus();

  connect(m_startPage, &StartPage::newRequested, this, &MainWindow::newDocument);
  connect(m_startPage, &StartPage::openRequested, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), {}, kFileFilter);
    if (!path.isEmpty()) openFile(path);
  });
  connect(m_startPage, &StartPage::templateChosen, this, &MainWindow::openTemplate);
  connect(m_startPage, &StartPage::recentChosen, this, &MainWindow::openFile);

  connect(m_doc, &Document::modifiedChanged, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::filePathChanged, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::modelReset, this, &MainWindow::updateTitle);
  connect(m_doc, &Document::graphChanged, this, [this] {
    if (isStartPageShown()) showCurrentMode();  // an edit (undo, paste) shows what it changed
  });

  m_autosaver =
      new Autosaver(m_doc, m_options.autosaveIntervalMs, m_options.autosaveDirectory, this);
  connect(m_autosaver, &Autosaver::autosaved, this, [this] {
    showStatus(
        tr("Autosaved at %1").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss"))));
  });

  restoreSettings();
  m_startPage->setRecentFiles(recentFiles());
  showStartPage();
  updateTitle();
}

MainWindow::~MainWindow() {
  delete m_modes;     // the modes' widgets use the Document, which Qt would delete first
  delete m_training;  // stops a run still going (checkpoint) before the run store goes
}

void MainWindow::openLogDir(const QString& dir) {
  m_runs->setLogDir(dir);
  if (StudioMode* train = m_modes->mode(QStringLiteral("train"))) {
    m_modes->setCurrent(train);
    showCurrentMode();
  }
}

bool MainWindow::isStartPageShown() const {
  return m_center->currentWidget() == m_startPage;
}

void MainWindow::showCurrentMode() {
  m_modes->showCurrentWidget();
}

void MainWindow::showStartPage() {
  m_startPage->setRecentFiles(recentFiles());
  m_center->setCurrentWidget(m_startPage);
}

// ---- construction -------------------------------------------------------------------------

void MainWindow::createModeBar() {
  // Below the modes: the model's training settings (they belong to no single mode).
  QToolBar* modeBar = m_modes->modeBar();
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
}

void MainWindow::createMenus() {
  auto add = [this](QMenu* menu, const QString& text, const QList<QKeySequence>& keys, auto slot,
                    const QString& name = {}) {
    QAction* action = menu->addAction(text);
    if (!name.isEmpty()) action->setObjectName(name);
    action->setShortcuts(keys);
    connect(action, &QAction::triggered, this, slot);
    return action;
  };

  QMenu* file = menuBar()->addMenu(tr("&File"));
  add(
      file, tr("&New"), {QKeySequence::New}, [this] { newDocument(); },
      QStringLiteral("actionNew"));
  add(
      file, tr("&Open…"), {QKeySequence::Open},
      [this] {
        if (!maybeDiscardChanges()) return;
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Model"), {}, kFileFilter);
        if (!path.isEmpty()) openFile(path);
      },
      QStringLiteral("actionOpen"));
  add(
      file, tr("Open &Log Directory…"), {},
      [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("Open Log Directory"), m_runs->logDir());
        if (!dir.isEmpty()) openLogDir(dir);
      },
      QStringLiteral("actionOpenLogDir"));
  add(
      file, tr("&Import ONNX…"), {},
      [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Import ONNX Model"), {}, tr("ONNX models (*.onnx);;All files (*)"));
        if (!path.isEmpty()) importOnnxFile(path);
      },
      QStringLiteral("actionImportOnnx"));
  m_recentMenu = file->addMenu(tr("Open &Recent"));
  add(file, tr("Start &Page"), {}, [this] { showStartPage(); });
  file->addSeparator();
  add(
      file, tr("&Save"), {QKeySequence::Save}, [this] { save(); }, QStringLiteral("actionSave"));
  add(file, tr("Save &As…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)},
      [this] { saveAs(); });
  file->addSeparator();
  add(file, tr("&Quit"), {QKeySequence(Qt::CTRL | Qt::Key_Q)}, [this] { close(); });
  updateRecentMenu();

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Z)});
  QAction* redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcuts(
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), QKeySequence(Qt::CTRL | Qt::Key_Y)});
  edit->addAction(undo);
  edit->addAction(redo);
  m_modes->addEditActions(edit);

  QMenu* modelMenu = menuBar()->addMenu(tr("&Model"));
  modelMenu->addAction(m_trainingSettingsAction);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  view->addActions(m_modes->switchActions());
  m_modes->addViewActions(view);
  view->addSeparator();
  QMenu* panels = view->addMenu(tr("&Panels"));
  connect(panels, &QMenu::aboutToShow, this, [this, panels] { m_modes->fillPanelsMenu(panels); });
  add(
      view, tr("&Reset Layout"), {}, [this] { m_modes->resetLayout(); },
      QStringLiteral("actionResetLayout"));
  QMenu* themeMenu = view->addMenu(tr("&Theme"));
  m_themeGroup = new QActionGroup(this);
  for (auto [theme, label] :
       {std::pair{Theme::System, tr("Follow &System")}, std::pair{Theme::Light, tr("&Light")},
        std::pair{Theme::Dark, tr("&Dark")}}) {
    QAction* a = themeMenu->addAction(label);
    a->setCheckable(true);
    a->setData(static_cast<int>(theme));
    a->setObjectName(QStringLiteral("theme_") + themeName(theme));
    m_themeGroup->addAction(a);
    connect(a, &QAction::triggered, this, [this, theme = theme] { setTheme(theme); });
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  add(
      help, tr("&Keyboard Shortcuts"), {},
      [this] {
        ShortcutsDialog dialog(shortcutActions(), this);
        dialog.exec();
      },
      QStringLiteral("actionShortcuts"));
  add(
      help, tr("About &Plugins…"), {},
      [this] {
        AboutPluginsDialog dialog(loadDefaultPlugins(), this);
        dialog.exec();
      },
      QStringLiteral("actionAboutPlugins"));
  add(help, tr("&About Loom Studio"), {}, [this] {
    QMessageBox::about(this, tr("About Loom Studio"),
                       tr("<h3>Loom Studio %1</h3><p>A desktop deep-learning workbench: design a "
                          "network here, train it with <code>loom train</code>.</p>")
                           .arg(QCoreApplication::applicationVersion()));
  });
}

QList<QAction*> MainWindow::shortcutActions() const {
  QList<QAction*> found;
  std::function<void(const QList<QAction*>&)> collect = [&](const QList<QAction*>& actions) {
    for (QAction* a : actions) {
      if (QMenu* sub = a->menu())
        collect(sub->actions());
      else if (!a->shortcuts().isEmpty() && !found.contains(a))
        found << a;
    }
  };
  collect(menuBar()->actions());
  collect(m_modes->modeActions());  // toolbar-only actions
  return found;
}

QMenu* MainWindow::createPopupMenu() {
  auto* menu = new QMenu(this);
  m_modes->fillPanelsMenu(menu);
  return menu;
}

// ---- settings ---------------------------------------------------------------------------------

void MainWindow::restoreSettings() {
  QSettings settings;
  if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
    resize(1280, 800);
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), kLayoutVersion);
  m_modes->restoreState(settings);  // after restoreState(): it decides which docks show
  const auto theme =
      parseTheme(settings.value(QStringLiteral("theme"), QStringLiteral("system")).toString());
  setTheme(theme.value_or(Theme::System));
}

void MainWindow::saveSettings() {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState(kLayoutVersion));
  m_modes->saveState(settings);
}

void MainWindow::setTheme(Theme theme) {
  m_theme = theme;
  applyTheme(theme);
  for (QAction* a : m_themeGroup->actions())
    a->setChecked(a->data().toInt() == static_cast<int>(theme));
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

void MainWindow::showStatus(const QString& message) {
  statusBar()->showMessage(message, 8000);
}

// ---- files ------------------------------------------------------------------------------------

bool MainWindow::maybeDiscardChanges() {
  if (!m_doc->isModified()) return true;
  const QString name = m_doc->filePath().isEmpty()
                           ? (m_untitledName.isEmpty() ? tr("Untitled") : m_untitledName)
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
  showCurrentMode();
  updateTitle();
  return true;
}

bool MainWindow::openFile(const QString& path) {
  if (m_opening) {
    showStatus(tr("Still opening another model; wait for it to finish"));
    return false;
  }
  if (!maybeDiscardChanges()) return false;
  const QFileInfo info(path);
  if (info.isFile() && info.size() > kSynchronousOpenBytes) {
    openFileInBackground(path, info.size());
    return true;
  }
  return finishOpen(path, loadForCanvas(path.toStdString()));
}

Expected<MainWindow::CanvasModel> MainWindow::loadForCanvas(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(Model model, loadModel(path));
  const bool unplaced = lacksPlacement(model.graph);
  if (unplaced) placeByDepth(model.graph);
  // The document's snapshot, copied here: on a worker for large files (Document::resetModel).
  auto graphCopy = std::make_shared<const Graph>(model.graph);
  return CanvasModel{std::move(model), unplaced, std::move(graphCopy)};
}

void MainWindow::openFileInBackground(const QString& path, qint64 bytes) {
  m_opening = true;
  const QString shown = QDir::toNativeSeparators(path);
  auto* busy = new QProgressBar(this);
  busy->setRange(0, 0);  // indeterminate: the parser reports no progress
  busy->setMaximumWidth(160);
  busy->setMaximumHeight(14);
  statusBar()->addPermanentWidget(busy);
  statusBar()->showMessage(tr("Opening %1 (%2)…").arg(shown, formatBytes(bytes)));
  const std::uint64_t revision = m_doc->revision();
  // The result travels in a shared_ptr: QFuture hands results over with move_if_noexcept, and
  // Expected<CanvasModel> cannot move noexcept (protobuf messages), so a plain result would be
  // copied on this thread (~150 ms for a 100,000-node graph).
  using Loaded = std::shared_ptr<Expected<CanvasModel>>;
  auto* watcher = new QFutureWatcher<Loaded>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, busy, path, revision] {
    watcher->deleteLater();
    busy->deleteLater();
    statusBar()->clearMessage();
    m_opening = false;
    // Edits made while the file was loading would be dropped: ask again if there are any.
    if (m_doc->revision() != revision && !maybeDiscardChanges()) return;
    finishOpen(path, std::move(*watcher->result()));
  });
  watcher->setFuture(runInBackground([p = path.toStdString()] {
    return std::make_shared<Expected<CanvasModel>>(
        guarded("opening " + p, [&] { return loadForCanvas(p); }));
  }));
}

bool MainWindow::finishOpen(const QString& path, Expected<CanvasModel> loaded) {
  if (!loaded) {
    QMessageBox::warning(this, tr("Cannot Open Model"),
                         QString::fromStdString(loaded.status().message()));
    return false;
  }
  m_doc->resetModel(std::move(loaded->model), path, std::move(loaded->graphCopy));
  m_untitledName.clear();
  m_autosaver->discard();
  addRecentFile(path);
  showCurrentMode();
  updateTitle();
  if (loaded->placedByDepth)
    showStatus(tr("Opened %1: the file has no node positions, so nodes are placed by depth "
                  "(Auto Layout arranges them; Save keeps the positions)")
                   .arg(QDir::toNativeSeparators(path)));
  else
    showStatus(tr("Opened %1").arg(QDir::toNativeSeparators(path)));
  emit fileOpened(path);
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
    QMessageBox::warning(this, tr("Cannot Open Template"),
                         QString::fromStdString(model.status().message()));
    return false;
  }
  m_untitledName = title.isEmpty() ? QString::fromStdString(model->name) : title;
  m_doc->resetModel(*model);  // untitled: Save asks where, the template stays untouched
  m_autosaver->discard();
  showCurrentMode();
  updateTitle();
  return true;
}

bool MainWindow::save() {
  if (m_doc->filePath().isEmpty() || m_doc->filePath().startsWith(QLatin1Char(':')))
    return saveAs();
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
    if (suggestion.isEmpty())
      suggestion = (m_untitledName.isEmpty() ? QStringLiteral("model") : m_untitledName) +
                   QStringLiteral(".loom");
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
  for (StudioMode* mode : m_modes->modes())
    if (!mode->confirmClose(this)) {
      event->ignore();
      return;
    }
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
  const QList<RecoverableSession> sessions =
      Autosaver::recoverableSessions(m_autosaver->directory());
  for (const RecoverableSession& s : sessions) {
    const QString name =
        s.originalPath.isEmpty() ? tr("an untitled model") : QFileInfo(s.originalPath).fileName();
    bool restore = false;
    if (m_recoveryAnswer) {
      restore = *m_recoveryAnswer;
    } else {
      QMessageBox box(
          QMessageBox::Question, tr("Restore Unsaved Changes"),
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
  const Status status = m_doc->restoreAutosave(session.autosavePath, session.originalPath);
  if (!status.isOk()) {
    QMessageBox::warning(this, tr("Cannot Restore"), QString::fromStdString(status.message()));
    return false;
  }
  m_untitledName = m_doc->filePath().isEmpty()
                       ? QString::fromStdString(m_doc->model().name) + tr(" (restored)")
                       : QString();
  // Write the new session's autosave before the old one is deleted: never a moment with
  // the edits in memory only.
  (void)m_autosaver->autosaveNow();
  showCurrentMode();
  updateTitle();
  showStatus(tr("Restored unsaved changes from %1").arg(session.savedAt.toLocalTime().toString()));
  return true;
}

// ---- dialogs ------------------------------------------------------------------------------------

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

}  // namespace loom::studio
