// GraphView / GraphScene: real events on the viewport (offscreen platform, FORMATS.md §5.2).
// Drops, port-to-port connection drags, refusals with the engine's reason, clipboard,
// multi-node move undo, auto-layout geometry, analysis display, palettes, high DPI.
#include <QClipboard>
#include <QMimeData>
#include <QSignalSpy>
#include <QtTest>
#include <random>

#include "widgets/canvas/auto_layout.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/canvas/minimap.h"

using namespace loom;
using namespace loom::studio;

namespace {

QString example(const char* name) {
  return QStringLiteral(LOOM_SOURCE_DIR "/resources/examples/%1.loom").arg(name);
}

/// A view showing `doc` at 100%, with the scene origin near the top-left of the viewport.
std::unique_ptr<GraphView> makeView(Document& doc) {
  auto view = std::make_unique<GraphView>(&doc);
  view->resize(900, 700);
  view->show();
  if (!QTest::qWaitForWindowExposed(view.get())) return nullptr;
  QCoreApplication::processEvents();
  view->setZoom(1);
  view->centerOn(QPointF(400, 300));
  return view;
}

QPoint viewPoint(GraphView& view, QPointF scenePos) {
  return view.mapFromScene(scenePos);
}

/// Drags with the left button from `a` to `b` (scene coordinates) in a few steps.
void drag(GraphView& view, QPointF a, QPointF b) {
  QWidget* vp = view.viewport();
  QTest::mousePress(vp, Qt::LeftButton, {}, viewPoint(view, a));
  for (int i = 1; i <= 4; ++i) QTest::mouseMove(vp, viewPoint(view, a + (b - a) * i / 4.0));
  QTest::mouseRelease(vp, Qt::LeftButton, {}, viewPoint(view, b));
}

QPointF outputPort(const Node& n) {
  return {n.x + kNodeWidth / 2, n.y + kNodeHeight};
}

/// Random layered DAG: node i takes 1-2 inputs from earlier nodes (Add when 2).
Model randomDag(int n, unsigned seed) {
  std::mt19937 rng(seed);
  Model m;
  m.name = "dag";
  Node in;
  in.name = "in";
  in.op = "Input";
  in.attrs["shape"] = std::vector<std::int64_t>{16};
  (void)m.graph.addNode(in);
  for (int i = 1; i < n; ++i) {
    Node node;
    node.name = "n";
    node.name += std::to_string(i);
    const int a = std::uniform_int_distribution<int>(std::max(0, i - 8), i - 1)(rng);
    const auto& nodes = m.graph.nodes();
    if (i > 2 && std::bernoulli_distribution(0.3)(rng)) {
      const int b = std::uniform_int_distribution<int>(std::max(0, i - 8), i - 1)(rng);
      node.op = "Add";
      node.inputs = {nodes[a].name, nodes[b == a ? (a + 1) % i : b].name};
    } else {
      node.op = "ReLU";
      node.inputs = {nodes[a].name};
    }
    (void)m.graph.addNode(node);
  }
  return m;
}

}  // namespace

class CanvasTest : public QObject {
  Q_OBJECT

 private slots:
  void dropFromPaletteCreatesNodeAtPosition() {
    Document doc;
    auto view = makeView(doc);
    QVERIFY(view);
    const QPoint pos(320, 240);
    const QPointF scenePos = view->mapToScene(pos);
    QMimeData mime;
    mime.setData(kOpMimeType, QByteArray("Conv2D"));
    QDragEnterEvent enter(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &enter);
    QVERIFY(enter.isAccepted());
    QDragMoveEvent move(pos, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &move);
    QVERIFY(move.isAccepted());
    QDropEvent drop(QPointF(pos), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &drop);
    QVERIFY(drop.isAccepted());

    const Node* n = doc.graph().find("conv2d");
    QVERIFY(n);
    QCOMPARE(n->op, std::string("Conv2D"));
    // The card is centred on the drop point, up to the 10-unit grid.
    const QPointF centre(n->x + kNodeWidth / 2, n->y + kNodeHeight / 2);
    QVERIFY2(std::abs(centre.x() - scenePos.x()) <= 5 && std::abs(centre.y() - scenePos.y()) <= 5,
             qPrintable(QStringLiteral("centre %1,%2 drop %3,%4")
                            .arg(centre.x())
                            .arg(centre.y())
                            .arg(scenePos.x())
                            .arg(scenePos.y())));
    QVERIFY(view->graphScene()->nodeItem("conv2d"));
    QVERIFY(view->graphScene()->nodeItem("conv2d")->isSelected());
    QCOMPARE(doc.undoStack()->count(), 1);

    // Unknown ops and foreign MIME types are refused.
    QSignalSpy messages(view.get(), &GraphView::statusMessage);
    QMimeData bad;
    bad.setData(kOpMimeType, QByteArray("Teleport"));
    QDragEnterEvent badEnter(pos, Qt::CopyAction, &bad, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &badEnter);
    QDropEvent badDrop(QPointF(pos), Qt::CopyAction, &bad, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &badDrop);
    QCOMPARE(messages.count(), 1);
    QVERIFY(messages.first().first().toString().contains("Teleport"));
    QMimeData text;
    text.setText("hello");
    QDragEnterEvent textEnter(pos, Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(view->viewport(), &textEnter);
    QVERIFY(!textEnter.isAccepted());
    QCOMPARE(doc.graph().nodes().size(), size_t{1});
  }

  void dragPortToPortConnects() {
    Document doc;
    auto in = *doc.addNode("Input", {100, 100});
    auto fc = *doc.addNode("Dense", {300, 300});
    auto view = makeView(doc);
    QVERIFY(view);
    const Node& src = *doc.graph().find(in.toStdString());
    const Node& dst = *doc.graph().find(fc.toStdString());
    drag(*view, outputPort(src), QPointF(dst.x + kNodeWidth / 2, dst.y));  // Dense's only port
    QCOMPARE(doc.graph().find("dense")->inputs, std::vector<std::string>{"input"});
    QCOMPARE(view->graphScene()->edgeCount(), 1);
    QCOMPARE(view->graphScene()->nodeItem("dense")->inEdges().size(), 1);
    doc.undoStack()->undo();
    QCOMPARE(view->graphScene()->edgeCount(), 0);
    doc.undoStack()->redo();
    QCOMPARE(view->graphScene()->edgeCount(), 1);
  }

  void invalidConnectionsRefusedWithReason() {
    Document doc;
    auto in = *doc.addNode("Input", {100, 0});
    auto add = *doc.addNode("Add", {100, 200});
    auto relu = *doc.addNode("ReLU", {100, 400});
    QVERIFY(doc.connectNodes(in, add, 0));
    QVERIFY(doc.connectNodes(add, relu, 0));
    auto view = makeView(doc);
    QVERIFY(view);
    QSignalSpy messages(view.get(), &GraphView::statusMessage);
    const std::string before = doc.serialized();
    NodeItem* addItem = view->graphScene()->nodeItem(add);
    // relu -> add's free "+" port: a cycle.
    const QPointF plusPort = addItem->mapToScene(addItem->inputPortPos(1));
    drag(*view, outputPort(*doc.graph().find("relu")), plusPort);
    QCOMPARE(messages.count(), 1);
    QVERIFY2(messages.last().first().toString().contains("cycle"),
             qPrintable(messages.last().first().toString()));
    QCOMPARE(doc.serialized(), before);
    // input -> relu's port, already driven by add.
    NodeItem* reluItem = view->graphScene()->nodeItem(relu);
    drag(*view, outputPort(*doc.graph().find("input")),
         reluItem->mapToScene(reluItem->inputPortPos(0)));
    QCOMPARE(messages.count(), 2);
    QVERIFY2(messages.last().first().toString().contains("already driven"),
             qPrintable(messages.last().first().toString()));
    // Onto the card body of a node whose only port is driven: the same reason.
    drag(*view, outputPort(*doc.graph().find("input")),
         reluItem->mapToScene(QPointF(kNodeWidth / 2, kNodeHeight / 2)));
    QCOMPARE(messages.count(), 3);
    QVERIFY(messages.last().first().toString().contains("already driven"));
    QCOMPARE(doc.serialized(), before);
    QCOMPARE(doc.undoStack()->count(), 5);  // only the setup edits
  }

  void deleteCopyPasteDuplicate() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    auto view = makeView(doc);
    QVERIFY(view);
    GraphScene* scene = view->graphScene();
    const size_t n0 = doc.graph().nodes().size();
    scene->selectNodes({"conv1", "relu1"});
    view->copySelection();
    const QMimeData* clip = QApplication::clipboard()->mimeData();
    QVERIFY(clip && clip->hasFormat(kNodesMimeType));
    view->paste();
    QCOMPARE(doc.graph().nodes().size(), n0 + 2);
    const QStringList pasted = scene->selectedNodeNames();
    QCOMPARE(pasted.size(), 2);
    QVERIFY(!pasted.contains("conv1") && !pasted.contains("relu1"));
    const Node* pastedRelu = doc.graph().find(pasted[1].toStdString());
    QCOMPARE(pastedRelu->inputs,
             std::vector<std::string>{pasted[0].toStdString()});         // inner edge kept
    QVERIFY(doc.graph().find(pasted[0].toStdString())->inputs.empty());  // outer edge dropped

    QTest::keyClick(view.get(), Qt::Key_D, Qt::ControlModifier);  // duplicate the pasted pair
    QCOMPARE(doc.graph().nodes().size(), n0 + 4);
    const QStringList dup = scene->selectedNodeNames();
    QCOMPARE(dup.size(), 2);
    for (const auto& d : dup) QVERIFY(!pasted.contains(d));

    QTest::keyClick(view.get(), Qt::Key_Delete);
    QCOMPARE(doc.graph().nodes().size(), n0 + 2);
    for (const auto& d : dup) QVERIFY(!scene->nodeItem(d));
    // Deleting a selected edge disconnects it (one undo step with everything else).
    scene->clearSelection();
    NodeItem* relu1 = scene->nodeItem("relu1");
    relu1->inEdges().front()->setSelected(true);
    view->deleteSelection();
    QVERIFY(doc.graph().find("relu1")->inputs.empty());
    doc.undoStack()->undo();
    QCOMPARE(doc.graph().find("relu1")->inputs, std::vector<std::string>{"conv1"});
  }

  void multiNodeMoveIsOneUndoStep() {
    Document doc;
    QVERIFY(doc.load(example("cnn")));
    auto view = makeView(doc);
    QVERIFY(view);
    const std::string original = doc.serialized();
    const Node conv = *doc.graph().find("conv1");
    const Node relu = *doc.graph().find("relu1");
    view->graphScene()->selectNodes({"conv1", "relu1"});
    const QPointF grab(conv.x + 40, conv.y + 30);  // on the card, away from ports
    // Ctrl-less press on an already selected item keeps the selection.
    drag(*view, grab, grab + QPointF(40, 30));
    QCOMPARE(doc.undoStack()->count(), 1);
    QCOMPARE(doc.graph().find("conv1")->x, conv.x + 40);
    QCOMPARE(doc.graph().find("conv1")->y, conv.y + 30);
    QCOMPARE(doc.graph().find("relu1")->x, relu.x + 40);
    QCOMPARE(doc.graph().find("relu1")->y, relu.y + 30);
    doc.undoStack()->undo();
    QCOMPARE(doc.serialized(), original);
    QCOMPARE(view->graphScene()->nodeItem("conv1")->pos(), QPointF(conv.x, conv.y));
    QCOMPARE(view->graphScene()->nodeItem("relu1")->pos(), QPointF(relu.x, relu.y));
  }

  void autoLayoutHasNoOverlaps() {
    Document doc;
    Model m = randomDag(80, 7);
    doc.resetModel(m);  // every node at (0, 0)
    auto view = makeView(doc);
    QVERIFY(view);
    QVERIFY(view->applyAutoLayout());
    QCOMPARE(doc.undoStack()->count(), 1);
    const auto& nodes = doc.graph().nodes();
    for (size_t i = 0; i < nodes.size(); ++i) {
      const QRectF a(nodes[i].x, nodes[i].y, kNodeWidth, kNodeHeight);
      for (size_t j = i + 1; j < nodes.size(); ++j) {
        const QRectF b(nodes[j].x, nodes[j].y, kNodeWidth, kNodeHeight);
        QVERIFY2(!a.intersects(b), qPrintable(QStringLiteral("%1 overlaps %2")
                                                  .arg(QString::fromStdString(nodes[i].name),
                                                       QString::fromStdString(nodes[j].name))));
      }
      // Layered: every producer sits above its consumers.
      for (const auto& in : nodes[i].inputs)
        QVERIFY(doc.graph().find(in)->y + kNodeHeight < nodes[i].y);
    }
    // The scene items follow, and undo puts everything back in one step.
    QCOMPARE(view->graphScene()->nodeItem("n5")->pos(),
             QPointF(doc.graph().find("n5")->x, doc.graph().find("n5")->y));
    doc.undoStack()->undo();
    for (const auto& n : doc.graph().nodes()) QCOMPARE(QPointF(n.x, n.y), QPointF(0, 0));

    // The asynchronous entry point ends the same way.
    QSignalSpy done(view.get(), &GraphView::layoutFinished);
    view->autoLayout();
    QVERIFY(done.wait(10000));
    QVERIFY(done.first().first().toBool());
    QCOMPARE(doc.undoStack()->index(), 1);
  }

  void invalidNodesShowTheEngineMessage() {
    Document doc;
    auto fc = *doc.addNode("Dense", {0, 0});  // no input: invalid
    auto view = makeView(doc);
    QVERIFY(view);
    doc.waitForAnalysis();
    QCoreApplication::processEvents();
    NodeItem* item = view->graphScene()->nodeItem(fc);
    QVERIFY(!item->isValid());
    const NodeAnalysis* na = doc.nodeAnalysis(fc);
    QVERIFY(na && !na->status.isOk());
    QCOMPARE(item->toolTip(), QString::fromStdString(na->status.message()));
    // Connected to a valid input it becomes valid and shows params.
    auto in = *doc.addNode("Input", {0, -200});
    QVERIFY(doc.setAttribute(in, "shape", AttrValue{std::vector<std::int64_t>{16}}));
    QVERIFY(doc.connectNodes(in, fc, 0));
    doc.waitForAnalysis();
    QVERIFY(item->isValid());
    // Dense with 64 units on 16 features, batch 1: output 1x64.
    QVERIFY2(item->toolTip().contains(QString::fromUtf8("1\u00D764")), qPrintable(item->toolTip()));
  }

  void paletteFollowsTheView() {
    Document doc;
    auto view = makeView(doc);
    QVERIFY(view);
    QPalette dark;
    dark.setColor(QPalette::Base, QColor(30, 30, 30));
    dark.setColor(QPalette::Text, QColor(230, 230, 230));
    view->setPalette(dark);
    QCOMPARE(view->graphScene()->palette().color(QPalette::Base), QColor(30, 30, 30));
  }

  void largeGraphRendersWithMiniMap() {
    Document doc;
    doc.resetModel(randomDag(300, 3));
    auto view = makeView(doc);
    QVERIFY(view);
    QVERIFY(view->applyAutoLayout());
    view->setZoom(1);
    QCoreApplication::processEvents();
    QVERIFY(view->miniMap()->isVisible());
    // Render at the current device pixel ratio (2 under QT_SCALE_FACTOR=2): the image is
    // physical-size and not blank.
    const QPixmap shot = view->grab();
    QCOMPARE(shot.devicePixelRatio(), view->devicePixelRatioF());
    QCOMPARE(shot.width(), qRound(view->width() * view->devicePixelRatioF()));
    const QImage img = shot.toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
      for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
    QVERIFY(colours.size() > 10);
    if (qEnvironmentVariableIsSet("LOOM_CANVAS_SHOT"))
      shot.save(qEnvironmentVariable("LOOM_CANVAS_SHOT"));
    // Zoomed far out the simplified drawing is used; rendering must still work.
    view->setZoom(0.1);
    QVERIFY(!view->grab().isNull());
  }
};

QTEST_MAIN(CanvasTest)
#include "canvas_test.moc"
