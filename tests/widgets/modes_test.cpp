// Studio modes: the mode bar and the View menu list exactly the registered modes, in order, with
// Ctrl+1…; switching by a click in the mode bar and by Ctrl+N shows that mode's widget, docks,
// toolbar and actions and hides the other's (their shortcuts too); docks the user closed stay
// closed across switches; the current mode, closed docks and each mode's own state survive a
// restart (QSettings). Real MainWindow, offscreen platform.
//
// Besides Design, the switching tests register a second mode of their own ("Stamps": a counter
// in the centre, one dock, a toolbar action and an Edit action with a shortcut), through
// MainWindowOptions::modes: the studio's list has one mode today, and switching needs two.
#include "widgets/modes/modes.h"

#include <QAction>
#include <QDockWidget>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPainter>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QToolBar>
#include <QToolButton>
#include <QTreeWidget>
#include <QtTest>
#include <memory>

#include "widgets/canvas/graph_items.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/modes/embeddings/embeddings_mode.h"
#include "widgets/modes/embeddings/point_view.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/main_window.h"
#include "widgets/shell/problems_panel.h"

using namespace loom;
using namespace loom::studio;

namespace {

/// A second, small mode: a stamp counter. Counts its activations; saves the counter.
class StampsMode : public StudioMode {
  Q_OBJECT

 public:
  StampsMode(const ModeContext& context, QObject* parent)
      : StudioMode(context, parent),
        m_label(new QLabel),
        m_dock(new QDockWidget(tr("Stamp Info"))) {
    m_label->setObjectName(QStringLiteral("stampsLabel"));
    m_dock->setObjectName(QStringLiteral("stampsDock"));
    m_dock->setWidget(new QLabel(QStringLiteral("info")));
    m_stamp = new QAction(tr("Add Stamp"), this);
    m_stamp->setObjectName(QStringLiteral("actionAddStamp"));
    m_stamp->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
    connect(m_stamp, &QAction::triggered, this, [this] { setStamps(m_stamps + 1); });
    m_clear = new QAction(tr("Clear Stamps"), this);
    m_clear->setObjectName(QStringLiteral("actionClearStamps"));
    connect(m_clear, &QAction::triggered, this, [this] {
      setStamps(0);
      emit statusMessage(tr("Stamps cleared"));
    });
    setStamps(0);
  }
  QString id() const override { return QStringLiteral("stamps"); }
  QString title() const override { return tr("Stamps"); }
  QIcon icon() const override {
    QPixmap pixmap(28, 28);
    pixmap.fill(Qt::darkCyan);
    return QIcon(pixmap);
  }
  QString toolTip() const override { return tr("Stamps: count stamps"); }
  QWidget* widget() const override { return m_label; }
  QList<QDockWidget*> docks() const override { return {m_dock}; }
  void arrangeDocks(QMainWindow* window) override {
    window->addDockWidget(Qt::LeftDockWidgetArea, m_dock);
  }
  ModeActions actions() const override {
    ModeActions a;
    a.toolBar = {m_clear};
    a.editMenu = {m_stamp};
    return a;
  }
  void activate() override { ++activations; }
  void deactivate() override { ++deactivations; }
  void saveState(QSettings& settings) const override {
    settings.setValue(QStringLiteral("stamps"), m_stamps);
  }
  void restoreState(QSettings& settings) override {
    setStamps(settings.value(QStringLiteral("stamps"), 0).toInt());
  }

  int stamps() const { return m_stamps; }
  void setStamps(int n) {
    m_stamps = n;
    m_label->setText(QStringLiteral("%1 stamps").arg(n));
  }
  int activations = 0;
  int deactivations = 0;

 private:
  QLabel* m_label;
  QDockWidget* m_dock;
  QAction* m_stamp;
  QAction* m_clear;
  int m_stamps = 0;
};

StudioMode* createStampsMode(const ModeContext& context, QObject* parent) {
  return new StampsMode(context, parent);
}

struct Fixture {
  QTemporaryDir autosaveDir;
  std::unique_ptr<MainWindow> window;
  explicit Fixture(std::vector<ModeFactory> modes = {}) {
    MainWindowOptions options;
    options.autosaveDirectory = autosaveDir.path();
    options.modes = std::move(modes);
    window = std::make_unique<MainWindow>(options);
    window->resize(1200, 800);
    window->show();
  }
  ModeManager* modes() const { return window->modeManager(); }
  DesignMode* design() const { return window->findMode<DesignMode>(); }
  StampsMode* stamps() const { return window->findMode<StampsMode>(); }
  QWidget* centre() const {
    return qobject_cast<QStackedWidget*>(window->centralWidget())->currentWidget();
  }
  QDockWidget* dock(const char* name) const {
    return window->findChild<QDockWidget*>(QString::fromLatin1(name));
  }
  QAction* action(const char* name) const {
    return window->findChild<QAction*>(QString::fromLatin1(name));
  }
  QToolBar* toolBar(const char* id) const {
    return window->findChild<QToolBar*>(QStringLiteral("toolBar_") + QString::fromLatin1(id));
  }
  /// A click on the mode's button in the mode bar.
  void clickMode(const char* id) const {
    QAction* select = action((std::string("mode_") + id).c_str());
    QWidget* button = modes()->modeBar()->widgetForAction(select);
    QTest::mouseClick(button, Qt::LeftButton);
  }
};

QStringList objectNames(const QList<QAction*>& actions) {
  QStringList names;
  for (QAction* a : actions) names << a->objectName();
  return names;
}

/// The ids of studioModes(), read from modes made by the factories themselves.
QStringList registeredIds() {
  Document doc;
  RunStore runs;
  TrainSession training;
  QStringList ids;
  for (ModeFactory create : studioModes()) {
    std::unique_ptr<StudioMode> mode(create(ModeContext{&doc, &runs, &training}, nullptr));
    ids << mode->id();
    delete mode->widget();
    qDeleteAll(mode->docks());
  }
  return ids;
}

/// Design's docks, toolbar and Edit actions are shown (or all hidden).
void checkDesignShown(const Fixture& f, bool shown) {
  for (const char* name : {"paletteDock", "propertiesDock", "undoDock", "problemsDock"})
    QVERIFY2(f.dock(name)->isVisible() == shown, name);
  QCOMPARE(f.toolBar("design")->isVisible(), shown);
  for (const char* name :
       {"actionDelete", "actionFitGraph", "actionAutoLayout", "actionSnapToGrid"})
    QVERIFY2(f.action(name)->isVisible() == shown, name);
}

void checkStampsShown(const Fixture& f, bool shown) {
  QCOMPARE(f.dock("stampsDock")->isVisible(), shown);
  QCOMPARE(f.toolBar("stamps")->isVisible(), shown);
  QCOMPARE(f.action("actionAddStamp")->isVisible(), shown);
  QCOMPARE(f.action("actionClearStamps")->isVisible(), shown);
}

}  // namespace

class ModesTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Modes Test"));
  }
  void init() { QSettings().clear(); }  // every test starts as a first start

  void modeBarListsExactlyTheRegisteredModes() {
    const QStringList ids = registeredIds();
    QVERIFY(!ids.isEmpty());
    QCOMPARE(ids.front(), QStringLiteral("design"));
    Fixture f;
    QStringList wanted;
    for (const QString& id : ids) wanted << QStringLiteral("mode_") + id;
    // The mode bar: the modes in order, then only a spacer and the window's own Training
    // Settings button.
    QStringList bar;
    int unnamed = 0;
    for (QAction* a : f.modes()->modeBar()->actions())
      if (a->objectName().isEmpty())
        ++unnamed;
      else
        bar << a->objectName();
    QCOMPARE(bar, wanted + QStringList{QStringLiteral("actionTrainingSettings")});
    QCOMPARE(unnamed, 1);
    QCOMPARE(objectNames(f.modes()->switchActions()), wanted);
    // The View menu starts with the same actions; shortcuts Ctrl+1… in the same order.
    QMenu* view = nullptr;
    for (QAction* a : f.window->menuBar()->actions())
      if (a->text() == QStringLiteral("&View")) view = a->menu();
    QVERIFY(view);
    QCOMPARE(objectNames(view->actions().mid(0, ids.size())), wanted);
    for (int i = 0; i < ids.size() && i < 9; ++i) {
      QAction* select = f.modes()->switchActions()[i];
      const QString key = QStringLiteral("Ctrl+%1").arg(i + 1);
      QCOMPARE(select->shortcut().toString(QKeySequence::PortableText), key);
      QVERIFY2(select->toolTip().contains(key), qPrintable(select->toolTip()));
      QVERIFY(f.window->shortcutActions().contains(select));
    }
    QCOMPARE(f.modes()->current()->id(), QStringLiteral("design"));
    QVERIFY(f.modes()->switchActions().front()->isChecked());
  }

  void switchingByClickAndShortcut() {
    Fixture f({&createDesignMode, &createStampsMode});
    QVERIFY(f.window->newDocument());
    f.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(f.window.get()));
    QCOMPARE(objectNames(f.modes()->switchActions()), (QStringList{"mode_design", "mode_stamps"}));
    DesignMode* design = f.design();
    StampsMode* stamps = f.stamps();
    QVERIFY(design && stamps);

    // First start: Design is current.
    QCOMPARE(f.modes()->current(), design);
    QCOMPARE(f.centre(), design->widget());
    checkDesignShown(f, true);
    checkStampsShown(f, false);
    QCOMPARE(stamps->activations, 0);
    // An inactive mode's shortcut does nothing.
    QTest::keyClick(f.window.get(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(stamps->stamps(), 0);

    // A click on Stamps in the mode bar.
    QSignalSpy changed(f.modes(), &ModeManager::currentChanged);
    f.clickMode("stamps");
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.front().front().value<StudioMode*>(), stamps);
    QCOMPARE(f.modes()->current(), stamps);
    QCOMPARE(f.centre(), stamps->widget());
    QVERIFY(stamps->widget()->isVisible());
    QVERIFY(!design->widget()->isVisible());
    checkStampsShown(f, true);
    checkDesignShown(f, false);
    QCOMPARE(stamps->activations, 1);
    QVERIFY(f.action("mode_stamps")->isChecked());
    QVERIFY(!f.action("mode_design")->isChecked());
    QTest::keyClick(f.window.get(), Qt::Key_K, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(stamps->stamps(), 1);  // its shortcut works now
    // Design's Delete is off: its selection survives Del.
    QVERIFY(f.window->document()->addNode(QStringLiteral("ReLU"), {0, 0}));
    design->selectNodes({QStringLiteral("relu")});
    QCOMPARE(design->selectedNodes(), QStringList{QStringLiteral("relu")});
    QTest::keyClick(f.window.get(), Qt::Key_Delete);
    QCOMPARE(f.window->document()->graph().nodes().size(), std::size_t{1});
    // A mode's status message reaches the status bar.
    f.action("actionClearStamps")->trigger();
    QCOMPARE(stamps->stamps(), 0);
    QCOMPARE(f.window->statusBar()->currentMessage(), QStringLiteral("Stamps cleared"));

    // Ctrl+1 and Ctrl+2.
    QTest::keyClick(f.window.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(f.modes()->current(), design);
    QCOMPARE(f.centre(), design->widget());
    checkDesignShown(f, true);
    checkStampsShown(f, false);
    QCOMPARE(stamps->deactivations, 1);
    QTest::keyClick(f.window.get(), Qt::Key_2, Qt::ControlModifier);
    QCOMPARE(f.modes()->current(), stamps);
    checkStampsShown(f, true);
    checkDesignShown(f, false);
    QCOMPARE(stamps->activations, 2);
    // Selecting the current mode again changes nothing.
    f.clickMode("stamps");
    QCOMPARE(stamps->activations, 2);
  }

  void closedDocksStayClosedAndPanelsFollowTheMode() {
    Fixture f({&createDesignMode, &createStampsMode});
    QVERIFY(f.window->newDocument());
    f.dock("undoDock")->close();
    f.clickMode("stamps");
    QMenu panels;
    f.modes()->fillPanelsMenu(&panels);
    QCOMPARE(panels.actions(), QList<QAction*>{f.dock("stampsDock")->toggleViewAction()});
    f.clickMode("design");
    QVERIFY(!f.dock("undoDock")->isVisible());
    QVERIFY(f.dock("propertiesDock")->isVisible());
    f.modes()->fillPanelsMenu(&panels);
    QCOMPARE(panels.actions().size(), 4);
    QVERIFY(!f.dock("undoDock")->toggleViewAction()->isChecked());
    // View → Reset Layout brings Design's docks back, docked; Stamps' dock stays hidden.
    f.dock("paletteDock")->setFloating(true);
    f.action("actionResetLayout")->trigger();
    QVERIFY(f.dock("undoDock")->isVisible());
    QVERIFY(!f.dock("paletteDock")->isFloating());
    QCOMPARE(f.window->dockWidgetArea(f.dock("paletteDock")), Qt::LeftDockWidgetArea);
    QVERIFY(!f.dock("stampsDock")->isVisible());
  }

  // Every registered mode opens in a window on the offscreen platform (no OpenGL there). The
  // Embeddings view's QOpenGLWidget, once created with the main window, crashed every studio
  // test; now it is made on the first show and only where OpenGL 3.3 can be had, and the view
  // says why it is blank instead.
  void everyModeOpensWithoutOpenGl() {
    QCOMPARE(QGuiApplication::platformName(), QStringLiteral("offscreen"));
    Fixture f;
    QVERIFY(f.window->newDocument());
    f.window->resize(1440, 900);
    for (const QString& id : registeredIds()) {
      f.clickMode(id.toLatin1().constData());
      QCOMPARE(f.modes()->current()->id(), id);
      QVERIFY2(f.centre()->isVisible(), qPrintable(id));
      QTest::qWait(50);
      // Every toolbar button of the mode has room (none behind the toolbar's >> button).
      auto* bar = f.window->findChild<QToolBar*>(QStringLiteral("toolBar_") + id);
      for (QAction* a : f.modes()->current()->actions().toolBar) {
        QVERIFY(bar);
        QWidget* button = bar->widgetForAction(a);
        QVERIFY2(button && button->isVisible(), qPrintable(id + QLatin1Char(' ') + a->text()));
      }
    }
    auto* embeddings = qobject_cast<EmbeddingsMode*>(f.modes()->current());
    QVERIFY2(embeddings, "the last registered mode is Embeddings");
    QVERIFY(embeddings->view()->isVisible());
    QVERIFY(!embeddings->view()->canvas());
    QVERIFY2(embeddings->view()->unavailableReason().contains(QStringLiteral("offscreen")),
             qPrintable(embeddings->view()->unavailableReason()));
    QString error;
    QVERIFY(!embeddings->exportPng(QStringLiteral("/tmp/never-written.png"), &error));
    QCOMPARE(error, embeddings->view()->unavailableReason());
    f.clickMode("design");
    QCOMPARE(f.modes()->current()->id(), QStringLiteral("design"));
  }

  // A click in a mode's dock that points into its widget leaves the start page
  // (StudioMode::activationRequested); here a Problems row, which changes nothing in the model.
  void aDockOfTheModeLeavesTheStartPage() {
    Fixture f;
    QVERIFY(f.window->newDocument());
    QVERIFY(f.window->document()->addNode(QStringLiteral("Dense"), {0, 0}));  // no input: a problem
    f.window->document()->waitForAnalysis();
    QCoreApplication::processEvents();
    ProblemsPanel* problems = f.design()->problemsPanel();
    QCOMPARE(problems->problemCount(), 1);
    f.design()->selectNodes({});
    f.window->showStartPage();
    QVERIFY(f.window->isStartPageShown());
    const std::uint64_t revision = f.window->document()->revision();
    QTreeWidgetItem* row = problems->list()->topLevelItem(0);
    QTest::mouseClick(problems->list()->viewport(), Qt::LeftButton, {},
                      problems->list()->visualItemRect(row).center());
    QCOMPARE(f.window->document()->revision(), revision);
    QVERIFY(!f.window->isStartPageShown());
    QCOMPARE(f.centre(), f.design()->widget());
    QCOMPARE(f.design()->selectedNodes(), QStringList{QStringLiteral("dense")});
  }

  void stateSurvivesARestart() {
    {
      Fixture f({&createDesignMode, &createStampsMode});
      QVERIFY(f.window->newDocument());
      f.dock("undoDock")->close();
      f.action("actionSnapToGrid")->trigger();  // Design's own state: snapping off
      QVERIFY(!f.design()->view()->snapToGrid());
      f.clickMode("stamps");
      f.stamps()->setStamps(5);
      f.dock("stampsDock")->close();
      f.clickMode("design");
      f.clickMode("stamps");
      QVERIFY(!f.dock("stampsDock")->isVisible());
      QVERIFY(f.window->close());
    }
    {
      Fixture g({&createDesignMode, &createStampsMode});
      QCOMPARE(g.modes()->current(), g.stamps());
      QVERIFY(g.action("mode_stamps")->isChecked());
      QCOMPARE(g.stamps()->stamps(), 5);
      QVERIFY(!g.dock("stampsDock")->isVisible());
      QVERIFY(g.toolBar("stamps")->isVisible());
      checkDesignShown(g, false);
      QVERIFY(g.window->isStartPageShown());  // a start shows the start page over the mode
      g.clickMode("design");
      QVERIFY(!g.window->isStartPageShown());
      QVERIFY(!g.action("actionSnapToGrid")->isChecked());
      QVERIFY(!g.design()->view()->snapToGrid());
      QVERIFY(!g.dock("undoDock")->isVisible());
      QVERIFY(g.dock("propertiesDock")->isVisible());
      QVERIFY(g.dock("paletteDock")->isVisible());
      g.action("actionSnapToGrid")->trigger();  // back to the default for other tests
      QVERIFY(g.window->close());
    }
    // A saved mode that is no longer registered: the first mode. A window closed before it was
    // ever shown saves the current mode's docks as they are (three open), not as closed.
    {
      MainWindowOptions options;
      QTemporaryDir dir;
      options.autosaveDirectory = dir.path();
      MainWindow never(options);
      QVERIFY(never.close());
      QCOMPARE(QSettings().value(QStringLiteral("window/mode")).toString(),
               QStringLiteral("design"));
      QCOMPARE(QSettings().value(QStringLiteral("window/hiddenDocks/design")).toStringList(),
               QStringList{QStringLiteral("undoDock")});
    }
    Fixture h;
    QCOMPARE(h.modes()->current(), h.design());
    QVERIFY(h.design()->view()->snapToGrid());
    QVERIFY(!h.dock("undoDock")->isVisible());
    QVERIFY(h.dock("paletteDock")->isVisible());
  }
};

QTEST_MAIN(ModesTest)
#include "modes_test.moc"
