#include "widgets/canvas/graph_scene.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTimer>
#include <cmath>
#include <utility>

namespace loom::studio {

namespace {
/// Removes `e` from its producer's fan-out and re-places the remaining edges' label.
void detachFromProducer(EdgeItem* e) {
  auto& out = e->from()->outEdges();
  const bool wasFirst = !out.isEmpty() && out.front() == e;
  out.removeOne(e);
  if (wasFirst || out.size() == 1)
    for (EdgeItem* o : out) o->adjust();
}
}  // namespace

GraphScene::GraphScene(Document* doc, QObject* parent) : QGraphicsScene(parent), m_doc(doc) {
  connect(doc, &Document::graphChanged, this, [this] { sync(); });
  connect(doc, &Document::modelReset, this, [this] {
    m_resetPending = true;
    sync();
  });
  connect(doc, &Document::analysisUpdated, this, &GraphScene::applyAnalysis);
  connect(doc, &Document::trainingSettingsChanged, this, &GraphScene::applyFrozen);
  sync();
}

void GraphScene::applyFrozen() {
  const QStringList frozen = m_doc->frozenNodes();
  // Nothing frozen before or now (the common case): no pass over the cards on every edit.
  if (frozen.isEmpty() && m_frozen.isEmpty()) return;
  QSet<QString> now(frozen.begin(), frozen.end());
  for (const QString& name : std::as_const(m_frozen))
    if (NodeItem* item = m_nodes.value(name); item && !now.contains(name)) item->setFrozen(false);
  for (const QString& name : std::as_const(now))
    if (NodeItem* item = m_nodes.value(name)) item->setFrozen(true);  // new cards too
  m_frozen = std::move(now);
}

QStringList GraphScene::selectedNodeNames() const {
  QStringList names;
  for (const auto& n : m_doc->graph().nodes()) {
    NodeItem* item = m_nodes.value(QString::fromStdString(n.name));
    if (item && item->isSelected()) names << item->name();
  }
  return names;
}

void GraphScene::selectNodes(const QStringList& names) {
  clearSelection();
  for (const auto& n : names)
    if (NodeItem* item = m_nodes.value(n)) item->setSelected(true);
}

void GraphScene::removeNodeItem(NodeItem* item) {
  for (EdgeItem* e : item->inEdges()) {
    if (!e) continue;
    detachFromProducer(e);
    delete e;
    --m_edgeCount;
  }
  for (EdgeItem* e : item->outEdges()) {
    auto& in = e->to()->inEdges();
    for (auto& slot : in)
      if (slot == e) slot = nullptr;
    delete e;
    --m_edgeCount;
  }
  m_nodes.remove(item->name());
  delete item;
}

void GraphScene::syncEdges(NodeItem* item) {
  const auto& inputs = item->node().inputs;
  auto& in = item->inEdges();
  // Drop edges beyond the inputs, then fix each port.
  while (in.size() > static_cast<qsizetype>(inputs.size())) {
    if (EdgeItem* e = in.takeLast()) {
      detachFromProducer(e);
      delete e;
      --m_edgeCount;
    }
  }
  in.resize(static_cast<qsizetype>(inputs.size()), nullptr);
  for (size_t port = 0; port < inputs.size(); ++port) {
    EdgeItem*& e = in[static_cast<qsizetype>(port)];
    NodeItem* from = m_nodes.value(QString::fromStdString(inputs[port]));
    if (e && e->from() == from) {
      continue;
    }
    if (e) {
      detachFromProducer(e);
      delete e;
      e = nullptr;
      --m_edgeCount;
    }
    if (!from) continue;  // dangling reference in a hand-edited file: analysis reports it
    e = new EdgeItem(from, item, static_cast<int>(port));
    from->outEdges().push_back(e);
    addItem(e);
    ++m_edgeCount;
  }
  // Ports may have moved (a variadic op gained or lost one).
  for (EdgeItem* e : in)
    if (e) e->adjust();
}

NodeItem* GraphScene::createNodeItem(const Node& node, const QString& name) {
  auto* item = new NodeItem(node);
  addItem(item);
  m_nodes.insert(name, item);
  item->setAnalysis(m_doc->nodeAnalysis(name));
  return item;
}

void GraphScene::buildSlice() {
  QElapsedTimer clock;
  clock.start();
  const auto& nodes = m_doc->graph().nodes();
  const qint64 total = static_cast<qint64>(nodes.size()) * 2;
  while (m_buildNext < nodes.size() && clock.elapsed() < kSliceMs) {
    for (int k = 0; k < 128 && m_buildNext < nodes.size(); ++k, ++m_buildNext) {
      const Node& n = nodes[m_buildNext];
      const QString name = QString::fromStdString(n.name);
      if (!m_nodes.contains(name)) m_buildCreated.push_back(createNodeItem(n, name));
    }
  }
  while (m_buildNext >= nodes.size() && m_edgesNext < m_buildCreated.size() &&
         clock.elapsed() < kSliceMs) {
    for (int k = 0; k < 128 && m_edgesNext < m_buildCreated.size(); ++k)
      syncEdges(m_buildCreated[m_edgesNext++]);
  }
  if (m_buildNext < nodes.size() || m_edgesNext < m_buildCreated.size()) {
    emit buildProgress(static_cast<qint64>(m_buildNext) + m_edgesNext,
                       std::max(total, static_cast<qint64>(m_buildNext) + m_edgesNext));
    QTimer::singleShot(0, this, &GraphScene::buildSlice);
    return;
  }
  // The first out-edge of a producer with fan-out carries the shape label: place them all now.
  for (NodeItem* item : std::as_const(m_buildCreated))
    if (item->outEdges().size() > 1)
      for (EdgeItem* e : item->outEdges()) e->adjust();
  m_building = false;
  m_buildCreated.clear();
  sync();                  // what changed meanwhile and removals
  if (m_building) return;  // the graph grew by a lot again: another build
  updateNodesRect();
  emit built();
}

void GraphScene::sync() {
  if (m_building) return;  // the build's last slice syncs again
  const auto& nodes = m_doc->graph().nodes();
  // Many new cards: after a reset every name may be new; after an edit, count the growth.
  const bool reset = std::exchange(m_resetPending, false);
  const size_t cards = static_cast<size_t>(m_nodes.size());
  const size_t slice = static_cast<size_t>(kItemsPerSlice);
  if (nodes.size() > slice && (reset || nodes.size() > cards + slice)) {
    m_building = true;
    m_buildNext = 0;
    m_edgesNext = 0;
    m_buildCreated.clear();
    emit buildProgress(0, static_cast<qint64>(nodes.size()) * 2);
    QTimer::singleShot(0, this, &GraphScene::buildSlice);
    return;
  }
  QSet<NodeItem*> seen;
  seen.reserve(static_cast<qsizetype>(nodes.size()));
  QVector<NodeItem*> changed;
  bool anyChange = false;
  for (const auto& n : nodes) {
    const QString name = QString::fromStdString(n.name);
    NodeItem* item = m_nodes.value(name);
    if (!item) {
      item = createNodeItem(n, name);
      changed.push_back(item);
    } else if (!(item->node() == n)) {
      item->setNode(n);
      changed.push_back(item);
    }
    seen.insert(item);
  }
  if (seen.size() != m_nodes.size()) {
    QVector<NodeItem*> gone;
    for (NodeItem* item : std::as_const(m_nodes))
      if (!seen.contains(item)) gone.push_back(item);
    for (NodeItem* item : gone) removeNodeItem(item);
    anyChange = true;
    // Consumers of removed nodes lost edges; make sure they are re-synced.
    for (NodeItem* item : std::as_const(m_nodes))
      if (static_cast<size_t>(item->inEdges().size()) != item->node().inputs.size() ||
          item->inEdges().contains(nullptr))
        changed.push_back(item);
  }
  for (NodeItem* item : changed) syncEdges(item);
  // Fan-out changed somewhere: the first out-edge of each producer carries the shape label.
  QSet<NodeItem*> producers;
  for (NodeItem* item : changed)
    for (EdgeItem* e : item->inEdges())
      if (e) producers.insert(e->from());
  for (NodeItem* p : producers)
    for (EdgeItem* e : p->outEdges()) e->adjust();
  if (!changed.isEmpty() || anyChange) updateNodesRect();
  applyFrozen();  // a rename, a new input or a reset moves the frozen set
}

void GraphScene::updateNodesRect() {
  QRectF r;
  for (NodeItem* item : std::as_const(m_nodes))
    r |= QRectF(item->pos(), QSizeF(kNodeWidth, kNodeHeight));
  m_nodesRect = r;
  setSceneRect(r.adjusted(-2000, -2000, 2000, 2000));
  emit contentChanged();
}

void GraphScene::setLiveStats(const QHash<QString, NodeItem::LiveStats>& stats) {
  double lo = INFINITY, hi = -INFINITY;
  for (const NodeItem::LiveStats& s : stats)
    if (s.hasGradient && s.gradNorm > 0 && std::isfinite(s.gradNorm)) {
      lo = std::min(lo, std::log10(s.gradNorm));
      hi = std::max(hi, std::log10(s.gradNorm));
    }
  for (NodeItem* item : std::as_const(m_nodes)) {
    const auto it = stats.constFind(item->name());
    item->setLiveStats(it == stats.constEnd() ? std::nullopt
                                              : std::optional<NodeItem::LiveStats>(*it));
    double level = -1;
    if (it != stats.constEnd() && it->hasGradient && std::isfinite(lo)) {
      const double g =
          it->gradNorm > 0 && std::isfinite(it->gradNorm) ? std::log10(it->gradNorm) : lo;
      level = hi > lo ? (g - lo) / (hi - lo) : 0.5;
      if (!std::isfinite(it->gradNorm)) level = 1;
    }
    for (EdgeItem* e : item->outEdges()) e->setGradientLevel(level);
  }
}

void GraphScene::clearLiveStats() {
  for (NodeItem* item : std::as_const(m_nodes)) {
    item->setLiveStats(std::nullopt);
    item->setFault({});
    for (EdgeItem* e : item->outEdges()) e->setGradientLevel(-1);
  }
}

bool GraphScene::setFault(const QString& node, const QString& message) {
  NodeItem* item = m_nodes.value(node);
  if (!item) return false;
  item->setFault(message);
  return true;
}

void GraphScene::applyAnalysis() {
  for (NodeItem* item : std::as_const(m_nodes)) {
    if (item->setAnalysis(m_doc->nodeAnalysis(item->name())))
      for (EdgeItem* e : item->outEdges()) e->adjust();
  }
}

}  // namespace loom::studio
