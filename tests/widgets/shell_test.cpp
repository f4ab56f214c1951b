// Studio shell: palette drag payload and drops, templates, files (byte-identical round trip),
// property edits through the Document (undo gives back the exact file), the discard prompt,
// crash recovery, shortcuts, themes and 2x rendering. Offscreen platform (FORMATS.md §5.2).
#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QGraphicsView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoView>
#include <QtTest>
#include <functional>
#include <memory>

#include "engine/ops/op.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/main_window.h"
#include "widgets/shell/palette_panel.h"
#include "widgets/shell/problems_panel.h"
#include "widgets/shell/properties_panel.h"
#include "widgets/shell/shortcuts_dialog.h"
#include "widgets/shell/start_page.h"
#include "widgets/shell/status_summary.h"
#include "widgets/shell/theme.h"

using namespace loom;
using namespace loom::studio;

namespace {

QString example(const char* name) {
  return QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/%1.loom").arg(name);
}

QByteArray readAll(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Answers the next modal message box (from inside its own event loop) by clicking the
// button `pick` chooses; records the box's text. Times out after 5 s.
struct BoxAnswerer {
  bool seen = false;
  QString text;
  void arm(std::function<QAbstractButton*(QMessageBox*)> pick) {
    seen = false;
    auto* timer = new QTimer;
    timer->setInterval(10);
    auto started = std::make_shared<QElapsedTimer>();
    started->start();
    QObject::connect(timer, &QTimer::timeout, [this, timer, pick, started] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        seen = true;
        text = box->text();
        timer->stop();
        timer->deleteLater();
        pick(box)->click();
      } else if (started->elapsed() > 5000) {
        timer->stop();
        timer->deleteLater();
      }
    });
    timer->start();
  }
  void armStandard(QMessageBox::StandardButton button) {
    arm([button](QMessageBox* box) { return box->button(button); });
  }
  void armText(const QString& label) {
    arm([label](QMessageBox* box) -> QAbstractButton* {
      for (QAbstractButton* b : box->buttons())
        if (b->text() == label) return b;
      return box->buttons().front();
    });
  }
};

struct Fixture {
  QTemporaryDir autosaveDir;
  std::unique_ptr<MainWindow> window;
  explicit Fixture(const QString& dir = {}) {
    MainWindowOptions options;
    options.autosaveDirectory = dir.isEmpty() ? autosaveDir.path() : dir;
    window = std::make_unique<MainWindow>(options);
    window->resize(1200, 800);
    window->show();
  }
  Document* doc() const { return window->document(); }
  DesignMode* design() const { return window->findMode<DesignMode>(); }
};

QTreeWidgetItem* itemFor(PalettePanel* palette, const QString& op) {
  return palette->itemForOp(op);
}

}  // namespace

class ShellTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Test"));
    QSettings().clear();  // XDG_CONFIG_HOME is per test but survives between runs
  }

  void paletteListsEveryOpByCategory() {
    PalettePanel palette;
    int ops = 0;
    for (const Op* op : OpRegistry::global().all()) {
      const QString name = QString::fromStdString(op->schema().name);
      QTreeWidgetItem* item = palette.itemForOp(name);
      QVERIFY2(item, qPrintable(name));
      QCOMPARE(item->parent()->text(0), QString::fromStdString(op->schema().category));
      QVERIFY(item->toolTip(0).contains(
          QString::fromStdString(op->schema().doc).left(20).toHtmlEscaped()));
      QVERIFY(!item->icon(0).isNull());
      ++ops;
    }
    int shown = 0;
    for (int c = 0; c < palette.tree()->topLevelItemCount(); ++c)
      shown += palette.tree()->topLevelItem(c)->childCount();
    QCOMPARE(shown, ops);
    // Search filters by name, case-insensitively; categories without a match are hidden.
    palette.searchField()->setText(QStringLiteral("conv2"));
    QVERIFY(!palette.itemForOp(QStringLiteral("Conv2D"))->isHidden());
    QVERIFY(palette.itemForOp(QStringLiteral("Dense"))->isHidden());
    QVERIFY(palette.itemForOp(QStringLiteral("Dense"))->parent()->isHidden());
    palette.searchField()->clear();
    QVERIFY(!palette.itemForOp(QStringLiteral("Dense"))->isHidden());
  }

  void dragPayloadRoundTrip() {
    std::unique_ptr<QMimeData> mime(opMimeData(QStringLiteral("BatchNorm")));
    QVERIFY(mime->hasFormat(QString::fromLatin1(kOpMimeType)));
    QCOMPARE(mime->data(QString::fromLatin1(kOpMimeType)), QByteArray("BatchNorm"));
    QCOMPARE(opFromMimeData(mime.get()), QStringLiteral("BatchNorm"));
    QMimeData other;
    other.setText(QStringLiteral("BatchNorm"));
    QVERIFY(opFromMimeData(&other).isEmpty());  // plain text is not a palette drag
  }

  void dropFromPaletteCreatesNode() {
    Fixture f;
    QVERIFY(f.window->newDocument());
    QGraphicsView* view = f.design()->view();
    QVERIFY(view);
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    std::unique_ptr<QMimeData> mime(opMimeData(QStringLiteral("Dense")));
    const QPoint pos = view->viewport()->rect().center() + QPoint(30, 20);
    QDragEnterEvent enter(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(pos, Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &move);
    QVERIFY(move.isAccepted());
    const QPointF scenePos = view->mapToScene(pos);  // before the drop: the view may scroll after
    QDropEvent drop(QPointF(pos), Qt::CopyAction, mime.get(), Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &drop);
    QCOMPARE(f.doc()->graph().nodes().size(), std::size_t{1});
    const Node& node = f.doc()->graph().nodes().front();
    QCOMPARE(QString::fromStdString(node.op), QStringLiteral("Dense"));
    // Placed where it was dropped (the card's centre or corner, within a card's size).
    QVERIFY2(std::abs(node.x - scenePos.x()) < 200 && std::abs(node.y - scenePos.y()) < 100,
             qPrintable(QStringLiteral("node at %1,%2, drop at %3,%4")
                            .arg(node.x)
                            .arg(node.y)
                            .arg(scenePos.x())
                            .arg(scenePos.y())));
    QVERIFY(f.doc()->isModified());
    f.doc()->undoStack()->undo();  // one undo step
    QVERIFY(f.doc()->graph().nodes().empty());
    f.window->autosaver()->abandon();
  }

  void doubleClickAddsAtViewCenter() {
    Fixture f;
    QVERIFY(f.window->newDocument());
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    QTreeWidget* tree = f.design()->palettePanel()->tree();
    QTreeWidgetItem* item = itemFor(f.design()->palettePanel(), QStringLiteral("ReLU"));
    tree->scrollToItem(item);
    const QPoint p = tree->visualItemRect(item).center();
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, p);
    QTest::mouseDClick(tree->viewport(), Qt::LeftButton, {}, p);
    QCOMPARE(f.doc()->graph().nodes().size(), std::size_t{1});
    QCOMPARE(f.doc()->graph().nodes().front().op, std::string("ReLU"));
    QCOMPARE(f.design()->selectedNodes(), QStringList{QStringLiteral("relu")});
  }

  void everyTemplateOpensWithZeroProblems() {
    Fixture f;
    const auto templates = builtinTemplates();
    QCOMPARE(templates.size(), std::size_t{4});
    for (const TemplateInfo& t : templates) {
      QVERIFY2(f.window->openTemplate(t.resource, t.title), qPrintable(t.resource));
      f.doc()->waitForAnalysis();
      QCoreApplication::processEvents();
      QVERIFY2(f.doc()->analysis().status.isOk(), f.doc()->analysis().status.message().c_str());
      QCOMPARE(f.design()->problemsPanel()->problemCount(), 0);
      QVERIFY(!f.doc()->isModified());
      QVERIFY(f.doc()->filePath().isEmpty());  // a copy: Save must not overwrite the template
      // The compiled-in template is the file in resources/examples.
      const QString source =
          QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/") + QFileInfo(t.resource).fileName();
      auto onDisk = loadModel(source.toStdString());
      QVERIFY(onDisk);
      QVERIFY(onDisk->graph == f.doc()->graph());
      QVERIFY(!f.window->isStartPageShown());
    }
  }

  void problemsListRowsAndSelection() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("broken.loom"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    // A Conv2D after a Dense: rank mismatch at "conv", and "out" downstream of it.
    file.write(
        "format_version: 2\nname: \"broken\"\ngraph {\n"
        "  node { name: \"x\" op: \"Input\" attr { name: \"shape\" ints { v: [4] } } }\n"
        "  node { name: \"fc\" op: \"Dense\" input: \"x\" attr { name: \"units\" i: 8 } y: 90 }\n"
        "  node { name: \"conv\" op: \"Conv2D\" input: \"fc\" attr { name: \"filters\" i: 2 }"
        " attr { name: \"kernel_size\" ints { v: [3, 3] } } y: 180 }\n"
        "  node { name: \"out\" op: \"ReLU\" input: \"conv\" y: 270 }\n}\n");
    file.close();
    Fixture f;
    QVERIFY(f.window->openFile(path));
    f.doc()->waitForAnalysis();
    QCoreApplication::processEvents();
    ProblemsPanel* problems = f.design()->problemsPanel();
    QCOMPARE(problems->problemCount(), 2);
    QTreeWidgetItem* first = problems->list()->topLevelItem(0);
    QCOMPARE(first->text(0), QStringLiteral("conv"));  // the cause first, in topological order
    QVERIFY2(first->text(1).contains(QStringLiteral("conv")), qPrintable(first->text(1)));
    QCOMPARE(problems->list()->topLevelItem(1)->text(0), QStringLiteral("out"));
    QVERIFY(f.window->findChild<QDockWidget*>(QStringLiteral("problemsDock"))
                ->windowTitle()
                .contains(QStringLiteral("2")));
    // Clicking a row selects that node on the canvas (and shows it in Properties).
    problems->list()->scrollToItem(first);
    QTest::mouseClick(problems->list()->viewport(), Qt::LeftButton, {},
                      problems->list()->visualItemRect(first).center());
    QCOMPARE(f.design()->selectedNodes(), QStringList{QStringLiteral("conv")});
    QCOMPARE(f.design()->propertiesPanel()->node(), QStringLiteral("conv"));
  }

  void saveThenOpenIsByteIdentical() {
    QTemporaryDir dir;
    for (const char* name : {"mlp", "cnn", "cnn_bn", "resnet_small"}) {
      Fixture f;
      QVERIFY(f.window->openFile(example(name)));
      const QString a = dir.filePath(QStringLiteral("%1_a.loom").arg(name));
      const QString b = dir.filePath(QStringLiteral("%1_b.loom").arg(name));
      QVERIFY(f.window->saveAs(a));
      QVERIFY(!f.doc()->isModified());
      QCOMPARE(f.doc()->filePath(), a);
      QVERIFY(f.window->openFile(a));
      QVERIFY(f.window->saveAs(b));
      QCOMPARE(readAll(b), readAll(a));
      // The saved model is the example's model (independent parse of the source file).
      auto original = loadModel(example(name).toStdString());
      auto saved = loadModel(a.toStdString());
      QVERIFY(original && saved);
      QVERIFY(original->graph == saved->graph);
      QCOMPARE(f.window->recentFiles().front(), QFileInfo(b).absoluteFilePath());
    }
  }

  void propertyEditIsUndoableToTheExactFile() {
    QTemporaryDir dir;
    Fixture f;
    QVERIFY(f.window->openFile(example("cnn")));
    const QString path = dir.filePath(QStringLiteral("cnn.loom"));
    QVERIFY(f.window->saveAs(path));
    const QByteArray saved = readAll(path);
    f.design()->selectNodes({QStringLiteral("conv1")});
    PropertiesPanel* props = f.design()->propertiesPanel();
    QCOMPARE(props->node(), QStringLiteral("conv1"));

    // Int attribute: a spin box with the schema's range.
    auto* filters = qobject_cast<QSpinBox*>(props->editorFor(QStringLiteral("filters")));
    QVERIFY(filters);
    QCOMPARE(filters->value(), 32);
    QCOMPARE(filters->minimum(), 1);
    filters->setValue(16);
    QCOMPARE(std::get<std::int64_t>(f.doc()->graph().find("conv1")->attrs.at("filters")),
             std::int64_t{16});
    QVERIFY(f.doc()->isModified());
    QVERIFY(f.window->isWindowModified());
    f.doc()->undoStack()->undo();
    QCOMPARE(QByteArray::fromStdString(f.doc()->serialized()), saved);
    QVERIFY(!f.doc()->isModified());
    QCOMPARE(filters->value(), 32);  // the editor follows the undo

    // Tuple attribute: one spin box per element.
    auto* k1 = props->editorFor(QStringLiteral("kernel_size"))
                   ->findChild<QSpinBox*>(QStringLiteral("kernel_size_1"));
    QVERIFY(k1);
    k1->setValue(3);
    QCOMPARE(std::get<std::vector<std::int64_t>>(
                 f.doc()->graph().find("conv1")->attrs.at("kernel_size")),
             (std::vector<std::int64_t>{5, 3}));
    // String choice: a combo box.
    auto* padding = qobject_cast<QComboBox*>(props->editorFor(QStringLiteral("padding")));
    QVERIFY(padding);
    QCOMPARE(padding->count(), 3);
    padding->setCurrentText(QStringLiteral("valid"));
    emit padding->activated(padding->currentIndex());
    QCOMPARE(std::get<std::string>(f.doc()->graph().find("conv1")->attrs.at("padding")),
             std::string("valid"));
    // Bool: a check box.
    auto* bias = qobject_cast<QCheckBox*>(props->editorFor(QStringLiteral("use_bias")));
    QVERIFY(bias);
    bias->setChecked(false);
    QCOMPARE(std::get<bool>(f.doc()->graph().find("conv1")->attrs.at("use_bias")), false);
    // Three more undo steps give back the saved file exactly.
    for (int i = 0; i < 3; ++i) f.doc()->undoStack()->undo();
    QCOMPARE(QByteArray::fromStdString(f.doc()->serialized()), saved);

    // Rename: a taken name is refused with the engine's message, a free one is one step.
    QLineEdit* name = props->nameField();
    name->setText(QStringLiteral("relu1"));
    emit name->editingFinished();
    QVERIFY(f.doc()->graph().find("conv1"));
    QVERIFY2(!props->message().isEmpty(), "a refused rename shows why");
    QCOMPARE(name->text(), QStringLiteral("conv1"));
    name->setText(QStringLiteral("stem"));
    emit name->editingFinished();
    QVERIFY(f.doc()->graph().find("stem"));
    QCOMPARE(f.doc()->graph().find("relu1")->inputs, std::vector<std::string>{"stem"});
    QCOMPARE(props->node(), QStringLiteral("stem"));
    QVERIFY(props->message().isEmpty());
    f.doc()->undoStack()->undo();
    QCOMPARE(QByteArray::fromStdString(f.doc()->serialized()), saved);

    // Read-only info from the analysis: conv1 = 5*5*1*32 weights + 32 biases.
    f.design()->selectNodes({});
    f.design()->selectNodes({QStringLiteral("conv1")});
    QCOMPARE(props->node(), QStringLiteral("conv1"));
    f.doc()->waitForAnalysis();
    QCoreApplication::processEvents();
    const QString info = props->findChild<QLabel*>(QStringLiteral("propertiesInfo"))->text();
    QVERIFY2(info.contains(QStringLiteral("832")), qPrintable(info));
    QVERIFY2(info.contains(QStringLiteral("[N, 32, 28, 28]")), qPrintable(info));
  }

  void statusBarTotalsAndBatch() {
    Fixture f;
    QVERIFY(f.window->openFile(example("cnn")));
    f.doc()->waitForAnalysis();
    QCoreApplication::processEvents();
    // Hand count: conv1 832, conv2 5*5*32*64+64 = 51264, fc1 7*7*64*1024+1024 = 3212288,
    // logits 1024*10+10 = 10250.
    QCOMPARE(f.doc()->analysis().total.params, std::int64_t{3274634});
    QVERIFY2(f.window->statusSummary()->text().contains(QStringLiteral("3.27 M")),
             qPrintable(f.window->statusSummary()->text()));
    const std::int64_t act1 = f.doc()->analysis().total.activationBytes;
    f.window->statusSummary()->batchSpin()->setValue(8);
    QCOMPARE(f.doc()->analysisBatch(), std::int64_t{8});
    f.doc()->waitForAnalysis();
    QCOMPARE(f.doc()->analysis().total.activationBytes, 8 * act1);
    QVERIFY(!f.doc()->isModified());  // the batch is a view setting, not an edit
  }

  void discardPromptForModifiedDocument() {
    Fixture f;
    QVERIFY(f.window->openFile(example("mlp")));
    BoxAnswerer answer;
    // Unmodified: no prompt.
    QVERIFY(f.window->maybeDiscardChanges());
    QVERIFY(f.doc()->addNode(QStringLiteral("ReLU"), {0, 0}));
    const std::string edited = f.doc()->serialized();
    // New: Cancel keeps everything.
    answer.armStandard(QMessageBox::Cancel);
    QVERIFY(!f.window->newDocument());
    QVERIFY(answer.seen);
    QVERIFY(answer.text.contains(QStringLiteral("mlp.loom")));
    QCOMPARE(f.doc()->serialized(), edited);
    // Open: Cancel keeps everything too.
    answer.armStandard(QMessageBox::Cancel);
    QVERIFY(!f.window->openFile(example("cnn")));
    QVERIFY(answer.seen);
    QCOMPARE(f.doc()->serialized(), edited);
    // Close: Cancel keeps the window open.
    answer.armStandard(QMessageBox::Cancel);
    QVERIFY(!f.window->close());
    QVERIFY(answer.seen);
    QVERIFY(f.window->isVisible());
    // Discard really discards.
    answer.armStandard(QMessageBox::Discard);
    QVERIFY(f.window->newDocument());
    QVERIFY(answer.seen);
    QVERIFY(f.doc()->graph().nodes().empty());
    QVERIFY(!f.doc()->isModified());
    QCOMPARE(readAll(example("mlp")).isEmpty(), false);
  }

  void crashRecoveryRestoresTheEditedModel() {
    QTemporaryDir dir;
    const QString autosaveDir = dir.filePath(QStringLiteral("autosave"));
    const QString modelPath = dir.filePath(QStringLiteral("mlp.loom"));
    QVERIFY(QFile::copy(example("mlp"), modelPath));
    std::string edited;
    {
      Fixture first(autosaveDir);
      QVERIFY(first.window->openFile(modelPath));
      QVERIFY(first.doc()->addNode(QStringLiteral("Dropout"), {300, 40}));
      QVERIFY(first.doc()
                  ->setAttribute(QStringLiteral("dropout"), QStringLiteral("rate"), AttrValue(0.25))
                  .isOk());
      edited = first.doc()->serialized();
      QVERIFY(first.window->autosaver()->autosaveNow().isOk());
      QVERIFY(QFileInfo::exists(first.window->autosaver()->autosavePath()));
      // A live session is never offered to another window.
      QVERIFY(Autosaver::recoverableSessions(autosaveDir).isEmpty());
      first.window->autosaver()->abandon();  // the process "dies" here: no close, no cleanup
    }
    QCOMPARE(Autosaver::recoverableSessions(autosaveDir).size(), 1);
    QCOMPARE(Autosaver::recoverableSessions(autosaveDir).front().originalPath, modelPath);
    QCOMPARE(readAll(modelPath), readAll(example("mlp")));  // nothing was saved to the file

    Fixture second(autosaveDir);
    BoxAnswerer answer;
    answer.armText(QStringLiteral("Restore"));
    second.window->offerRecovery();
    QVERIFY(answer.seen);
    QVERIFY(answer.text.contains(QStringLiteral("mlp.loom")));
    QCOMPARE(second.doc()->serialized(), edited);
    QVERIFY(second.doc()->isModified());  // still unsaved: closing would ask
    QCOMPARE(second.doc()->filePath(), modelPath);
    // The old session is gone; the restored edits are already autosaved by this session.
    QVERIFY(Autosaver::recoverableSessions(autosaveDir).isEmpty());
    QVERIFY(QFileInfo::exists(second.window->autosaver()->autosavePath()));
    // The restore is one undo step, and undoing it shows the file on disk.
    QCOMPARE(second.doc()->undoStack()->count(), 1);
    second.doc()->undoStack()->undo();
    auto onDisk = loadModel(modelPath.toStdString());
    QVERIFY(onDisk);
    QVERIFY(second.doc()->graph() == onDisk->graph);
    QCOMPARE(second.doc()->serialized(), serializeModel(*onDisk));
    QVERIFY(!second.doc()->isModified());
    second.doc()->undoStack()->redo();
    // Saving removes the autosave: nothing left to recover.
    QVERIFY(second.window->save());
    QVERIFY(!QFileInfo::exists(second.window->autosaver()->autosavePath()));
    auto savedModel = loadModel(modelPath.toStdString());
    auto editedModel = parseModel(edited, "edited");
    QVERIFY(savedModel && editedModel);
    QVERIFY(savedModel->graph == editedModel->graph);
  }

  void declinedRecoveryRemovesTheAutosave() {
    QTemporaryDir dir;
    {
      Fixture first(dir.path());
      QVERIFY(first.window->openTemplate(QStringLiteral(":/examples/cnn.loom")));
      QVERIFY(first.doc()->addNode(QStringLiteral("ReLU"), {0, 0}));
      QVERIFY(first.window->autosaver()->autosaveNow().isOk());
      first.window->autosaver()->abandon();
    }
    QCOMPARE(Autosaver::recoverableSessions(dir.path()).size(), 1);
    QVERIFY(Autosaver::recoverableSessions(dir.path()).front().originalPath.isEmpty());
    Fixture second(dir.path());
    second.window->setRecoveryAutoAnswer(false);
    second.window->offerRecovery();
    QVERIFY(second.doc()->graph().nodes().empty());
    QVERIFY(Autosaver::recoverableSessions(dir.path()).isEmpty());
  }

  void autosaveTimerWritesModifiedDocument() {
    QTemporaryDir dir;
    MainWindowOptions options;
    options.autosaveDirectory = dir.path();
    options.autosaveIntervalMs = 50;
    MainWindow window(options);
    QCOMPARE(window.autosaver()->intervalMs(), 50);
    QVERIFY(window.openFile(example("mlp")));
    QTest::qWait(150);
    QVERIFY(!QFileInfo::exists(window.autosaver()->autosavePath()));  // unmodified: nothing
    QVERIFY(window.document()->addNode(QStringLiteral("ReLU"), {0, 0}));
    QTRY_VERIFY(QFileInfo::exists(window.autosaver()->autosavePath()));
    QCOMPARE(readAll(window.autosaver()->autosavePath()),
             QByteArray::fromStdString(window.document()->serialized()));
    window.document()->undoStack()->undo();  // back to the file: the autosave goes away
    QTRY_VERIFY(!QFileInfo::exists(window.autosaver()->autosavePath()));
    QCOMPARE(MainWindowOptions().autosaveIntervalMs, 30'000);
  }

  void shortcutsAndDialog() {
    Fixture f;
    QVERIFY(f.window->openFile(example("mlp")));
    QStringList keys;
    for (QAction* a : f.window->shortcutActions())
      for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::PortableText);
    for (const char* k : {"Ctrl+Z", "Ctrl+Shift+Z", "Del", "Ctrl+C", "Ctrl+V", "Ctrl+D", "Ctrl+S",
                          "Ctrl+O", "F", "Ctrl+F"})
      QVERIFY2(keys.contains(QString::fromLatin1(k)), k);
    ShortcutsDialog dialog(f.window->shortcutActions());
    QVERIFY(dialog.table()->rowCount() >= 10);
    QStringList listed;
    for (int r = 0; r < dialog.table()->rowCount(); ++r)
      listed << dialog.table()->item(r, 1)->text();
    QVERIFY(listed.join(QLatin1Char(' ')).contains(QStringLiteral("Ctrl+Shift+Z")));

    // Ctrl+F focuses the palette search; Del deletes the canvas selection; Ctrl+Z undoes.
    f.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(f.window.get()));
    QTest::keyClick(f.window.get(), Qt::Key_F, Qt::ControlModifier);
    QVERIFY(f.design()->palettePanel()->searchField()->hasFocus());
    const std::size_t before = f.doc()->graph().nodes().size();
    f.design()->view()->setFocus();
    f.design()->selectNodes({QString::fromStdString(f.doc()->graph().nodes().back().name)});
    QTest::keyClick(f.design()->view(), Qt::Key_Delete);
    QCOMPARE(f.doc()->graph().nodes().size(), before - 1);
    QTest::keyClick(f.design()->view(), Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(f.doc()->graph().nodes().size(), before);
    QTest::keyClick(f.design()->view(), Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(f.doc()->graph().nodes().size(), before - 1);
    // Duplicate makes one more node (one undo step).
    f.doc()->undoStack()->undo();
    f.design()->selectNodes({QString::fromStdString(f.doc()->graph().nodes().front().name)});
    QTest::keyClick(f.design()->view(), Qt::Key_D, Qt::ControlModifier);
    QCOMPARE(f.doc()->graph().nodes().size(), before + 1);
    f.doc()->undoStack()->undo();
    QCOMPARE(f.doc()->graph().nodes().size(), before);
  }

  void settingsPersistLayoutRecentAndTheme() {
    QString first;
    {
      Fixture f;
      QVERIFY(f.window->openFile(example("cnn")));
      f.window->findChild<QDockWidget*>(QStringLiteral("undoDock"))->hide();
      f.window->setTheme(Theme::Dark);
      QVERIFY(isDark(QApplication::palette()));
      QVERIFY(f.window->close());
      first = f.window->recentFiles().front();
    }
    Fixture g;
    QCOMPARE(g.window->recentFiles().front(), first);
    QCOMPARE(g.window->theme(), Theme::Dark);
    QVERIFY(!g.window->findChild<QDockWidget*>(QStringLiteral("undoDock"))->isVisible());
    QVERIFY(g.window->findChild<QDockWidget*>(QStringLiteral("propertiesDock"))->isVisible());
    g.window->setTheme(Theme::Light);
    QVERIFY(!isDark(QApplication::palette()));
    g.window->findChild<QDockWidget*>(QStringLiteral("undoDock"))->show();
    QVERIFY(g.window->close());
  }

  void renderAtScale2() {
    // Run by ctest with QT_SCALE_FACTOR=2 (loom_shell_hidpi_test); at 1x it checks 1x.
    Fixture f;
    QVERIFY(f.window->openFile(example("cnn_bn")));
    f.design()->selectNodes({QStringLiteral("conv1")});
    QVERIFY(QTest::qWaitForWindowExposed(f.window.get()));
    f.doc()->waitForAnalysis();
    QCoreApplication::processEvents();
    const qreal expected = qEnvironmentVariableIsSet("QT_SCALE_FACTOR")
                               ? qEnvironmentVariable("QT_SCALE_FACTOR").toDouble()
                               : 1.0;
    QCOMPARE(f.window->devicePixelRatioF(), expected);
    const QPixmap shot = f.window->grab();
    QCOMPARE(shot.devicePixelRatio(), expected);
    QCOMPARE(shot.width(), qRound(f.window->width() * expected));
    // Not blank: the canvas and panels drew something with many colours.
    const QImage image = shot.toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 7)
      for (int x = 0; x < image.width(); x += 7) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
    // Nothing in the properties form is squeezed below its minimum width.
    PropertiesPanel* props = f.design()->propertiesPanel();
    for (QWidget* w : props->findChildren<QWidget*>())
      if (w->isVisible() && w->minimumWidth() > 0) QVERIFY(w->width() >= w->minimumWidth());
  }
};

QTEST_MAIN(ShellTest)
#include "shell_test.moc"
