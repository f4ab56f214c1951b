// Transfer learning in the studio (issue 8, acceptance 2; docs/transfer-learning.md), in a real
// window with a real event loop (offscreen): a CNN trained in PyTorch 1.13 and exported by
// torch.onnx.export (tests/python/torch_cnn_onnx.py) comes in through File → Import ONNX… off
// the GUI thread; right-clicking its Flatten card cuts the graph there, appends a 10-class head
// (the "Append Head" dialog) and freezes up to it, each one undo step; the frozen cards are
// drawn frozen and the head is not; Train mode's Start fine-tunes on Fashion-MNIST, and the
// checkpoint's frozen tensors are byte-identical to the imported ones while the head trained.
//
// LOOM_TRANSFER_SCREENSHOT=<png>: also grab the window with the frozen graph (docs).
#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QFile>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>

#include "engine/graph/model.h"
#include "engine/train/checkpoint.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/modes/mode_manager.h"
#include "widgets/modes/train/train_mode.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/main_window.h"

using namespace loom;
using namespace loom::studio;

namespace {

/// Right-clicks the card of `node` in `view` (a real QContextMenuEvent on the viewport) and
/// returns the menu that popped up.
QMenu* rightClick(GraphView* view, const QString& node) {
  NodeItem* item = view->graphScene()->nodeItem(node);
  if (!item) return nullptr;
  view->centerOn(item);
  const QPoint pos = view->mapFromScene(item->mapToScene(QPointF(kNodeWidth / 2, kNodeHeight / 2)));
  QContextMenuEvent event(QContextMenuEvent::Mouse, pos, view->viewport()->mapToGlobal(pos));
  QApplication::sendEvent(view->viewport(), &event);
  for (QMenu* menu : view->findChildren<QMenu*>(QStringLiteral("nodeContextMenu")))
    if (menu->isVisible()) return menu;
  return nullptr;
}

/// Triggers the action `name` of `menu` and closes the menu, as a click on the item does.
bool choose(QMenu* menu, const char* name) {
  auto* action = menu ? menu->findChild<QAction*>(QString::fromLatin1(name)) : nullptr;
  if (!action || !action->isEnabled()) return false;
  menu->close();
  action->trigger();
  QCoreApplication::processEvents();
  return true;
}

}  // namespace

class TransferStudioTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_tmp;
  std::unique_ptr<MainWindow> m_window;
  QString m_onnx;
  QString m_feature;                         // the imported Flatten node
  std::map<std::string, Tensor> m_imported;  // the parameters as imported

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName(QStringLiteral("LoomTest"));
    QCoreApplication::setApplicationName(QStringLiteral("Loom Studio Transfer Test"));
    QSettings().clear();
    QVERIFY(m_tmp.isValid());
    // The foreign model: PyTorch trains and exports it (a missing torch fails the test).
    QProcess torch;
    torch.setProcessChannelMode(QProcess::ForwardedChannels);
    torch.start(QStringLiteral(LOOM_PYTHON),
                {QStringLiteral(LOOM_SOURCE_DIR "/tests/python/torch_cnn_onnx.py"), m_tmp.path(),
                 QStringLiteral("100")});
    QVERIFY(torch.waitForFinished(180000));
    QCOMPARE(torch.exitCode(), 0);
    m_onnx = m_tmp.filePath(QStringLiteral("torch_cnn.onnx"));
    QVERIFY(QFile::exists(m_onnx));

    MainWindowOptions options;
    options.autosaveDirectory = m_tmp.filePath(QStringLiteral("autosave"));
    m_window = std::make_unique<MainWindow>(options);
    m_window->resize(1400, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
  }

  void importOnnxRunsOffTheGuiThreadAndOpensTheModel() {
    QVERIFY(m_window->findChild<QAction*>(QStringLiteral("actionImportOnnx")));
    QSignalSpy imported(m_window.get(), &MainWindow::onnxImported);
    QVERIFY(m_window->importOnnxFile(m_onnx));
    // The import runs on a worker: the call returns before the document changes.
    QCOMPARE(imported.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, 30000);
    QVERIFY2(imported.at(0).at(1).toBool(), qPrintable(imported.at(0).at(2).toString()));
    Document* doc = m_window->document();
    for (const Node& n : doc->graph().nodes())
      if (n.op == "Flatten") m_feature = QString::fromStdString(n.name);
    QVERIFY2(!m_feature.isEmpty(), "the imported graph has no Flatten");
    QVERIFY(!doc->model().parameters.empty());
    m_imported = doc->model().parameters;
  }

  void contextMenuCutsAppendsAHeadAndFreezes() {
    Document* doc = m_window->document();
    auto* design = m_window->findMode<DesignMode>();
    QVERIFY(design);
    m_window->modeManager()->setCurrent(design);
    m_window->showCurrentMode();
    GraphView* view = design->view();
    QTRY_VERIFY(view->graphScene()->nodeItem(m_feature));
    const int before = doc->undoStack()->count();

    QVERIFY(choose(rightClick(view, m_feature), "actionCutAfterHere"));
    QCOMPARE(QString::fromStdString(doc->graph().output()), m_feature);

    QVERIFY(choose(rightClick(view, m_feature), "actionAppendHead"));
    auto* dialog = m_window->findChild<QInputDialog*>(QStringLiteral("appendHeadDialog"));
    QVERIFY(dialog);
    QCOMPARE(dialog->intValue(), 10);
    dialog->accept();
    QCOMPARE(QString::fromStdString(doc->graph().output()), QStringLiteral("head"));
    QCOMPARE(QString::fromStdString(doc->graph().find("head")->op), QStringLiteral("Dense"));

    QVERIFY(choose(rightClick(view, m_feature), "actionFreezeUpToHere"));
    QCOMPARE(QString::fromStdString(doc->model().training.freeze_until()), m_feature);
    QCOMPARE(doc->undoStack()->count(), before + 3);  // three edits, one step each
    const QStringList frozen = doc->frozenNodes();
    QCOMPARE(frozen.size(), static_cast<int>(doc->graph().nodes().size()) - 1);  // all but head
    GraphScene* scene = view->graphScene();
    for (const QString& n : frozen) QVERIFY2(scene->nodeItem(n)->isFrozen(), qPrintable(n));
    QVERIFY(!scene->nodeItem(QStringLiteral("head"))->isFrozen());

    doc->undoStack()->undo();  // unfreeze: the cards thaw
    QVERIFY(!scene->nodeItem(m_feature)->isFrozen());
    doc->undoStack()->redo();
    QVERIFY(scene->nodeItem(m_feature)->isFrozen());
    QVERIFY(rightClick(view, m_feature)
                ->findChild<QAction*>(QStringLiteral("actionUnfreeze"))
                ->isEnabled());
    for (QMenu* m : view->findChildren<QMenu*>()) m->close();

    // A refused edit changes nothing and says why: cutting after the output (now the head).
    const int steps = doc->undoStack()->count();
    QSignalSpy said(view, &GraphView::statusMessage);
    QVERIFY(choose(rightClick(view, QStringLiteral("head")), "actionCutAfterHere"));
    QCOMPARE(doc->undoStack()->count(), steps);
    QVERIFY(!said.isEmpty());
    QVERIFY(said.last().at(0).toString().contains(QStringLiteral("it is the model's output")));

    view->fitToView();
    if (const QByteArray shot = qgetenv("LOOM_TRANSFER_SCREENSHOT"); !shot.isEmpty()) {
      QTest::qWait(200);
      QVERIFY(m_window->grab().save(QString::fromLocal8Bit(shot)));
    }
  }

  void trainModeFineTunesWithTheFeaturesFrozen() {
    Document* doc = m_window->document();
    pb::TrainingConfig t = doc->model().training;
    t.set_threads(1);
    t.set_epochs(1);
    pb::DatasetConfig d = doc->model().dataset;
    d.set_train_limit(4096);
    d.set_test_limit(1000);
    QVERIFY(doc->setTrainingSettings(t, d).isOk());
    auto* mode = m_window->findMode<TrainMode>();
    QVERIFY(mode);
    m_window->modeManager()->setCurrent(mode);
    m_window->showCurrentMode();
    mode->setLogDir(m_tmp.filePath(QStringLiteral("runs")));
    mode->maxStepsBox()->setValue(0);
    TrainSession* session = m_window->trainSession();
    QSignalSpy finished(session, &TrainSession::finished);
    mode->startAction()->trigger();
    QVERIFY(session->isActive());
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 120000);
    QCOMPARE(session->status(), TrainStatus::Completed);
    const QString runDir = mode->lastRunDir();

    auto ck = readCheckpoint((runDir + QStringLiteral("/checkpoints/last.ckpt")).toStdString(),
                             modelStructureHash(doc->model()));
    QVERIFY2(ck.hasValue(), ck.status().message().c_str());
    const QStringList frozen = doc->frozenNodes();
    int same = 0, head = 0;
    for (const auto& [key, tensor] : ck->tensors) {
      if (key.rfind("param/", 0) != 0) continue;
      const std::string name = key.substr(6);
      const QString node = QString::fromStdString(name.substr(0, name.rfind('.')));
      if (frozen.contains(node)) {
        const Tensor& was = m_imported.at(name);
        QVERIFY2(was.dims() == tensor.dims() &&
                     std::memcmp(was.raw(), tensor.raw(), tensor.bytes()) == 0,
                 name.c_str());
        ++same;
      } else {
        QCOMPARE(node, QStringLiteral("head"));
        ++head;
      }
    }
    QVERIFY(same >= 6);  // conv1, bn1 (with its running statistics), conv2: weights and biases
    QCOMPARE(head, 2);
    QFile f(runDir + QStringLiteral("/run.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject run = QJsonDocument::fromJson(f.readAll()).object();
    QCOMPARE(
        run.value(QStringLiteral("frozen")).toObject().value(QStringLiteral("until")).toString(),
        m_feature);
    const double accuracy =
        run.value(QStringLiteral("test")).toObject().value(QStringLiteral("accuracy")).toDouble();
    qInfo("fine-tuned head on frozen PyTorch features: test accuracy %.4f (%d frozen tensors)",
          accuracy, same);
    QVERIFY(accuracy > 0.5);  // chance is 0.1
  }

  void cleanupTestCase() { m_window.reset(); }
};

QTEST_MAIN(TransferStudioTest)
#include "transfer_studio_test.moc"
