#include "widgets/canvas/auto_layout.h"

#include <graphviz/gvc.h>

#include <QByteArray>
#include <QMutex>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace loom::studio {

namespace {

QMutex g_graphvizMutex;

/// One process-wide context: creating one loads the plugin configuration (milliseconds).
GVC_t* context() {
  static GVC_t* gvc = gvContext();
  return gvc;
}

void setAttr(void* obj, int kind, Agraph_t* g, const char* name, const QByteArray& value) {
  Agsym_t* sym = agattr(g, kind, const_cast<char*>(name), const_cast<char*>(""));
  agxset(obj, sym, const_cast<char*>(value.constData()));
}

QByteArray inches(double sceneUnits) {
  return QByteArray::number(sceneUnits / 72.0, 'f', 4);
}

}  // namespace

Expected<QHash<QString, QPointF>> computeLayeredLayout(const Graph& graph, QPointF origin,
                                                       const LayoutOptions& options) {
  QHash<QString, QPointF> result;
  if (graph.nodes().empty()) return result;
  QMutexLocker lock(&g_graphvizMutex);
  GVC_t* gvc = context();
  if (!gvc) return internalError("Graphviz: cannot create a layout context");

  Agraph_t* g = agopen(const_cast<char*>("loom"), Agdirected, nullptr);
  setAttr(g, AGRAPH, g, "rankdir", "TB");
  setAttr(g, AGRAPH, g, "nodesep", inches(options.nodeSpacing));
  setAttr(g, AGRAPH, g, "ranksep", inches(options.rankSpacing));
  setAttr(g, AGRAPH, g, "splines", "");     // positions only: no edge routing
  setAttr(g, AGRAPH, g, "ordering", "in");  // keep input port order left to right
  // Fixed-size boxes without labels: no font measuring, sizes exactly our cards.
  Agsym_t* shape = agattr(g, AGNODE, const_cast<char*>("shape"), const_cast<char*>("box"));
  Agsym_t* fixed = agattr(g, AGNODE, const_cast<char*>("fixedsize"), const_cast<char*>("true"));
  Agsym_t* width = agattr(g, AGNODE, const_cast<char*>("width"),
                          const_cast<char*>(inches(options.nodeSize.width()).constData()));
  Agsym_t* height = agattr(g, AGNODE, const_cast<char*>("height"),
                           const_cast<char*>(inches(options.nodeSize.height()).constData()));
  Agsym_t* label = agattr(g, AGNODE, const_cast<char*>("label"), const_cast<char*>(""));
  (void)shape, (void)fixed, (void)width, (void)height, (void)label;

  std::unordered_map<std::string, Agnode_t*> byName;
  byName.reserve(graph.nodes().size());
  std::vector<Agnode_t*> order;
  for (const auto& n : graph.nodes()) {
    Agnode_t* node = agnode(g, const_cast<char*>(n.name.c_str()), 1);
    byName[n.name] = node;
    order.push_back(node);
  }
  for (const auto& n : graph.nodes()) {
    for (const auto& in : n.inputs) {
      auto it = byName.find(in);
      if (it != byName.end()) agedge(g, it->second, byName[n.name], nullptr, 1);
    }
  }
  if (gvLayout(gvc, g, "dot") != 0) {
    agclose(g);
    return internalError("Graphviz: dot layout failed");
  }
  // dot's coordinates are node centres in points with y pointing up.
  double minX = std::numeric_limits<double>::max(), minY = minX;
  std::vector<QPointF> tl(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const pointf c = ND_coord(order[i]);
    tl[i] = QPointF(c.x - options.nodeSize.width() / 2, -c.y - options.nodeSize.height() / 2);
    minX = std::min(minX, tl[i].x());
    minY = std::min(minY, tl[i].y());
  }
  gvFreeLayout(gvc, g);
  agclose(g);
  const double grid = options.grid;
  for (size_t i = 0; i < order.size(); ++i) {
    QPointF p = tl[i] - QPointF(minX, minY) + origin;
    if (grid > 0) p = QPointF(std::round(p.x() / grid) * grid, std::round(p.y() / grid) * grid);
    result.insert(QString::fromStdString(graph.nodes()[i].name), p);
  }
  return result;
}

}  // namespace loom::studio
