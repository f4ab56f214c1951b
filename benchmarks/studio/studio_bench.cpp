// loom_bench_studio: how fast the Design-mode canvas reacts, on generated graphs.
//
//   1. one edit on a 200-node graph: edit -> scene synced -> analysis on the worker ->
//      cards and edge labels refreshed (and, separately, the repaint of the view);
//   2. open (load a `.loom` file + build the scene) + Graphviz auto-layout of 1,000 nodes;
//   3. frame time while panning a 5,000-node graph, rendered offscreen into a window-sized
//      image, at 100%, 50% and fit-to-view zoom.
// Prints one line per measurement (median of the repetitions, ms). Runs on the offscreen
// platform unless QT_QPA_PLATFORM says otherwise.
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QTemporaryDir>
#include <algorithm>
#include <cstdio>
#include <random>

#include "widgets/canvas/graph_view.h"

using namespace loom;
using namespace loom::studio;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// A valid MLP-like DAG of `n` nodes: Input[64] then Dense/ReLU/BatchNorm/Dropout blocks
/// with occasional Add skips between equal-width layers. Positions are a simple layering
/// (row = longest path from the input), as a saved model would have.
Model generate(int n, unsigned seed) {
  std::mt19937 rng(seed);
  Model m;
  m.name = "generated";
  applyDefaults(m);
  Node in;
  in.name = "in";
  in.op = "Input";
  in.attrs["shape"] = std::vector<std::int64_t>{64};
  (void)m.graph.addNode(in);
  std::vector<int> depth{0};
  std::vector<int> perRow(1, 1);
  auto place = [&](Node& node, int d) {
    if (static_cast<int>(perRow.size()) <= d) perRow.resize(static_cast<size_t>(d) + 1, 0);
    node.x = 220.0 * perRow[static_cast<size_t>(d)]++;
    node.y = 100.0 * d;
  };
  const char* unary[] = {"ReLU", "BatchNorm", "Dropout", "Tanh"};
  for (int i = 1; i < n; ++i) {
    Node node;
    node.name = "n";
    node.name += std::to_string(i);
    const auto& nodes = m.graph.nodes();
    const int a = std::uniform_int_distribution<int>(std::max(0, i - 6), i - 1)(rng);
    int d = depth[static_cast<size_t>(a)] + 1;
    const double r = std::uniform_real_distribution<double>(0, 1)(rng);
    if (r < 0.25) {
      node.op = "Dense";
      node.attrs["units"] = std::int64_t{64};
      node.inputs = {nodes[static_cast<size_t>(a)].name};
    } else if (r < 0.4 && i > 2) {
      const int b = std::uniform_int_distribution<int>(std::max(0, i - 6), i - 1)(rng);
      node.op = "Add";
      node.inputs = {nodes[static_cast<size_t>(a)].name,
                     nodes[static_cast<size_t>(b == a ? (a + 1) % i : b)].name};
      d = std::max(d, depth[static_cast<size_t>(b == a ? (a + 1) % i : b)] + 1);
    } else {
      node.op = unary[std::uniform_int_distribution<int>(0, 3)(rng)];
      node.inputs = {nodes[static_cast<size_t>(a)].name};
    }
    place(node, d);
    depth.push_back(d);
    (void)m.graph.addNode(node);
  }
  // One output: a final Add of every unconsumed node would be huge; name the last node.
  m.graph.setOutput(m.graph.nodes().back().name);
  return m;
}

void waitForAnalysis(Document& doc) {
  if (doc.isAnalysisCurrent()) return;
  QEventLoop loop;
  QObject::connect(&doc, &Document::analysisUpdated, &loop, [&] {
    if (doc.isAnalysisCurrent()) loop.quit();
  });
  loop.exec();
}

void benchEdit(int reps) {
  Document doc;
  doc.resetModel(generate(200, 1));
  GraphView view(&doc);
  view.resize(1280, 800);
  view.show();
  QCoreApplication::processEvents();
  waitForAnalysis(doc);
  QCoreApplication::processEvents();
  QString dense;
  for (const auto& n : doc.graph().nodes())
    if (n.op == "Dense" && dense.isEmpty()) dense = QString::fromStdString(n.name);
  std::vector<double> total, sync, paint;
  QImage frame(view.viewport()->size(), QImage::Format_ARGB32_Premultiplied);
  for (int i = 0; i < reps; ++i) {
    QElapsedTimer t;
    t.start();
    // Alternate between two widths so every edit changes shapes downstream.
    const Status s = doc.setAttribute(dense, "units", AttrValue{std::int64_t{i % 2 ? 64 : 32}});
    const double afterSync = static_cast<double>(t.nsecsElapsed()) / 1e6;
    if (!s) {
      std::fprintf(stderr, "edit failed: %s\n", s.message().c_str());
      std::exit(1);
    }
    waitForAnalysis(doc);  // the scene applies the analysis inside the same signal
    total.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    sync.push_back(afterSync);
    QElapsedTimer p;
    p.start();
    view.viewport()->render(&frame);
    paint.push_back(static_cast<double>(p.nsecsElapsed()) / 1e6);
  }
  std::printf("edit_200_nodes_sync_ms            %8.3f  (edit + scene sync, GUI thread)\n",
              median(sync));
  std::printf(
      "edit_200_nodes_analysis_ms        %8.3f  (edit -> worker analysis -> cards updated)\n",
      median(total));
  std::printf("edit_200_nodes_repaint_ms         %8.3f  (repaint of a 1280x800 view at 100%%)\n",
              median(paint));
}

void benchOpenLayout(int reps, const QString& dir) {
  const QString path = dir + "/graph1000.loom";
  Model m = generate(1000, 2);
  for (auto& n : m.graph.nodes()) n.x = n.y = 0;  // nothing laid out yet
  if (!saveModel(m, path.toStdString())) std::exit(1);
  std::vector<double> open, layout;
  for (int i = 0; i < reps; ++i) {
    Document doc;
    GraphView view(&doc);
    view.resize(1280, 800);
    QElapsedTimer t;
    t.start();
    if (!doc.load(path)) std::exit(1);
    const double opened = static_cast<double>(t.nsecsElapsed()) / 1e6;
    if (Status s = view.applyAutoLayout(); !s) {
      std::fprintf(stderr, "layout failed: %s\n", s.message().c_str());
      std::exit(1);
    }
    view.fitToView();
    layout.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    open.push_back(opened);
  }
  std::printf("open_1000_nodes_ms                %8.3f  (load file + build scene)\n", median(open));
  std::printf("open_and_layout_1000_nodes_ms     %8.3f  (+ dot layout, one undoable move)\n",
              median(layout));
}

void benchPan(int frames) {
  Document doc;
  doc.resetModel(generate(5000, 3));
  GraphView view(&doc);
  view.resize(1280, 800);
  view.show();
  QCoreApplication::processEvents();
  waitForAnalysis(doc);
  QCoreApplication::processEvents();
  QImage frame(view.viewport()->size() * view.devicePixelRatioF(),
               QImage::Format_ARGB32_Premultiplied);
  frame.setDevicePixelRatio(view.devicePixelRatioF());
  struct Level {
    const char* name;
    double zoom;
  };
  for (Level level : {Level{"100%", 1.0}, Level{"50%", 0.5}, Level{"fit", 0.0}}) {
    if (level.zoom > 0) {
      view.setZoom(level.zoom);
      view.centerOn(view.graphScene()->nodesBoundingRect().center());
    } else {
      view.fitToView();
    }
    std::vector<double> ms;
    for (int i = 0; i < frames; ++i) {
      QElapsedTimer t;
      t.start();
      view.horizontalScrollBar()->setValue(view.horizontalScrollBar()->value() +
                                           (i % 40 < 20 ? 12 : -12));
      view.verticalScrollBar()->setValue(view.verticalScrollBar()->value() +
                                         (i % 30 < 15 ? 7 : -7));
      view.viewport()->render(&frame);
      ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    }
    std::printf("pan_5000_nodes_frame_ms_%-5s     %8.3f  (zoom %.3f, 1280x800)\n", level.name,
                median(ms), view.zoom());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  QTemporaryDir dir;
  benchEdit(41);
  benchOpenLayout(3, dir.path());
  benchPan(60);
  return 0;
}
