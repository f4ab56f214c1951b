// The studio on a very large model (issue 14): a generated 100,000-node chain with canvas
// positions opens in a real window while a latency probe measures the longest
// GUI-thread stall. Opening must never freeze the window: the file is read and parsed off the
// GUI thread, the canvas is built in slices, and analysis runs on a worker. The test checks the
// end state against the file (every node and edge on the canvas, the analysis of the whole
// graph) and that the longest stall stays under a bound: 1 s by default (only a freeze fails on
// a loaded machine), 100 ms with LOOM_STRICT_TIMING=1. It prints the figures for the note.
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/ops/op.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/design/design_mode.h"
#include "widgets/shell/main_window.h"

using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

constexpr int kNodes = 100000;

/// Writes the chain with benchmarks/chain_model.py (an independent generator).
QString writeChain(const QTemporaryDir& dir, bool positions) {
  const QString path = dir.filePath(positions ? "chain_laid_out.loom" : "chain.loom");
  QProcess p;
  p.setStandardOutputFile(path);
  QStringList args{QStringLiteral(LOOM_SOURCE_DIR "/benchmarks/chain_model.py"),
                   QString::number(kNodes)};
  if (positions) args << QStringLiteral("--positions");
  p.start(QStringLiteral("/usr/bin/python3"), args);
  if (!p.waitForFinished(60000) || p.exitCode() != 0) return {};
  return path;
}

}  // namespace

class LargeGraphTest : public QObject {
  Q_OBJECT

 private slots:
  void opensWithoutFreezing_data() {
    QTest::addColumn<bool>("positions");
    QTest::newRow("laid out") << true;
    // Without positions the open places the nodes by depth (engine/graph/placement.h): before
    // that, 100,000 cards on one point made Qt's scene index a list and the build quadratic.
    QTest::newRow("no positions") << false;
  }

  void opensWithoutFreezing() {
    QFETCH(bool, positions);
    QTemporaryDir dir;
    const QString path = writeChain(dir, positions);
    QVERIFY2(!path.isEmpty(), "benchmarks/chain_model.py failed");

    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto* design = window.findMode<DesignMode>();
    QVERIFY(design);
    const GraphScene* scene = design->view()->graphScene();

    LatencyProbe probe;
    probe.start();
    QElapsedTimer clock;
    clock.start();
    probe.phase("open");
    QVERIFY(window.openFile(path));
    probe.phase("canvas");
    QTRY_COMPARE_WITH_TIMEOUT(scene->nodeItems().size(), kNodes, 180000);
    QTRY_COMPARE_WITH_TIMEOUT(scene->edgeCount(), kNodes - 1, 60000);
    const double canvasS = clock.elapsed() / 1e3;
    probe.phase("analysis");
    QTRY_VERIFY_WITH_TIMEOUT(window.document()->isAnalysisCurrent(), 180000);
    const double analysedS = clock.elapsed() / 1e3;
    probe.phase("paint");
    design->fitAll();
    QTest::qWait(300);
    window.grab();
    probe.stop();
    // Fitted, the graph is drawn as the view's overview: the chain's ReLU blocks are on screen.
    QVERIFY(design->view()->overviewActive());
    const QImage shot = design->view()->viewport()->grab().toImage();
    const QColor relu = categoryColor(loom::OpRegistry::global().find("ReLU")->schema().category);
    int reluPixels = 0;
    for (int y = 0; y < shot.height(); ++y)
      for (int x = 0; x < shot.width(); ++x) reluPixels += shot.pixelColor(x, y) == relu;
    QVERIFY2(reluPixels > 100, qPrintable(QString::number(reluPixels)));
    if (const QString file = qEnvironmentVariable("LOOM_LARGE_GRAPH_SHOT"); !file.isEmpty())
      window.grab().save(file);  // to look at the overview

    QCOMPARE(window.document()->graph().nodes().size(), static_cast<size_t>(kNodes));
    QCOMPARE(window.document()->analysis().nodes.size(), static_cast<size_t>(kNodes));
    QCOMPARE(window.document()->analysis().order.size(), static_cast<size_t>(kNodes));
    QVERIFY(!window.document()->isModified());
    if (!positions) {  // placed by depth: the chain runs down one column, 90 units a row
      const auto& nodes = window.document()->graph().nodes();
      for (size_t i : {size_t{0}, size_t{1}, nodes.size() / 2, nodes.size() - 1}) {
        QCOMPARE(nodes[i].x, 0.0);
        QCOMPARE(nodes[i].y, 90.0 * static_cast<double>(i));
      }
    }
    qInfo(
        "%d-node chain (%s): canvas complete after %.2f s, analysis after %.2f s; longest "
        "GUI-thread stall %.1f ms (during: %s)",
        kNodes, positions ? "laid out" : "no positions", canvasS, analysedS, probe.worstMs(),
        probe.worstPhase());
    const double limitMs = qEnvironmentVariableIsSet("LOOM_STRICT_TIMING") ? 100 : 1000;
    QVERIFY2(probe.worstMs() < limitMs,
             qPrintable(QStringLiteral("GUI stalled %1 ms during %2")
                            .arg(probe.worstMs())
                            .arg(QString::fromLatin1(probe.worstPhase()))));
  }
};

QTEST_MAIN(LargeGraphTest)
#include "large_graph_test.moc"
