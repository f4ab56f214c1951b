#include "widgets/canvas/graph_scene.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <utility>

namespace loom::studio {

namespace {
/// Room around the cards in which the view can scroll, in scene units.
constexpr double kSceneMargin = 2000;

QRectF paddedSceneRect(const QRectF& nodes) {
  return nodes.adjusted(-kSceneMargin, -kSceneMargin, kSceneMargin, kSceneMargin);
}

/// A BSP depth for `items` items in `scene`. Qt's own choice, ceil(log2(items)), suits a
/// square scene; its splits alternate between x and y, so in a tall, narrow graph (a chain:
/// 4,000 units wide, 9,000,000 tall) half of them cut the width into slivers narrower than a
/// card, and each card went into ~20 leaves (indexing 2,000 new cards took ~35 ms). Here no
/// axis is cut into cells smaller than half a card.
int bspDepthFor(const QRectF& scene, size_t items) {
  auto splits = [](double extent, double card) {
    return static_cast<int>(std::floor(std::log2(std::max(extent / (card / 2), 1.0))));
  };
  const int sx = splits(scene.width(), kNodeWidth), sy = splits(scene.height(), kNodeHeight);
  // The first split is across x: an odd depth gives x one split more than y.
  const int shaped = sx <= sy ? 2 * sx : 2 * sy + 1;
  const int byCount =
      static_cast<int>(std::ceil(std::log2(std::max(static_cast<double>(items), 2.0))));
  return std::max(1, std::min(shaped, byCount));
}

/// A parent for up to kItemsPerGroup cards or edges, drawing nothing itself. Qt's scene
/// visits every top-level item each time any item needs repainting
/// (QGraphicsScenePrivate::_q_processDirtyItems), and a 100,000-node graph had 200,000 of
/// them: every hover, selection or build slice cost a pass over all. Under groups it visits
/// a few hundred groups, and only the children of the groups with a dirty child.
class ItemGroup : public QGraphicsItem {
 public:
  ItemGroup() { setFlag(ItemHasNoContents); }
  QRectF boundingRect() const override { return {}; }
  void paint(QPainter*, const QStyleOptionGraphicsItem*, QWidget*) override {}
};

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
    e->setParentItem(groupFor(m_edgeGroup));  // adds it to the scene
    ++m_edgeCount;
  }
  // Ports may have moved (a variadic op gained or lost one).
  for (EdgeItem* e : in)
    if (e) e->adjust();
}

NodeItem* GraphScene::createNodeItem(const Node& node, const QString& name) {
  auto* item = new NodeItem(node);
  item->setParentItem(groupFor(m_cardGroup));  // adds it to the scene
  m_nodes.insert(name, item);
  item->setAnalysis(m_doc->nodeAnalysis(name));
  return item;
}

void GraphScene::buildSlice() {
  // Cards or edges made between two looks at the clock (an edge costs up to ~0.1 ms).
  constexpr int kBatch = 32;
  QElapsedTimer clock;
  clock.start();
  const auto& nodes = m_doc->graph().nodes();
  const qint64 total = static_cast<qint64>(nodes.size()) * 2;
  while (m_buildNext < nodes.size() && clock.elapsed() < kSliceMs) {
    for (int k = 0; k < kBatch && m_buildNext < nodes.size(); ++k, ++m_buildNext) {
      const Node& n = nodes[m_buildNext];
      const QString name = QString::fromStdString(n.name);
      if (!m_nodes.contains(name)) m_buildCreated.push_back(createNodeItem(n, name));
    }
    flushIndex();  // inside the slice's time budget
  }
  while (m_buildNext >= nodes.size() && m_edgesNext < m_buildCreated.size() &&
         clock.elapsed() < kSliceMs) {
    for (int k = 0; k < kBatch && m_edgesNext < m_buildCreated.size(); ++k)
      syncEdges(m_buildCreated[m_edgesNext++]);
    flushIndex();
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
  // The cards mirror the graph exactly when the build made every one of them and nothing was
  // edited meanwhile: then the full sync (a name conversion and a node comparison per card,
  // ~60 ms on GUI thread for 100,000 cards) has nothing to find.
  const bool exact = m_doc->revision() == m_buildRevision &&
                     static_cast<size_t>(m_buildCreated.size()) == nodes.size() &&
                     static_cast<size_t>(m_nodes.size()) == nodes.size();
  m_buildCreated.clear();
  if (exact) {
    applyFrozen();
  } else {
    sync();                  // what changed meanwhile and removals
    if (m_building) return;  // the graph grew by a lot again: another build
  }
  updateNodesRect();
  if (std::exchange(m_analysisAfterBuild, false)) applyAnalysis();
  emit built();
}

void GraphScene::flushIndex() {
  // Any query of the scene indexes the items added since the last one. Qt's own index timer
  // is restarted by every addition, so during a build it never fired, and the first paint
  // after it indexed all 200,000 items at once (120 ms). A query of an empty corner of the
  // scene rectangle (inside the margin) finds nothing and costs only the slice's items.
  const QRectF corner(sceneRect().topLeft(), QSizeF(1, 1));
  items(corner, Qt::IntersectsItemBoundingRect, Qt::AscendingOrder);
}

void GraphScene::prepareIndexForBuild(const std::vector<Node>& nodes) {
  // Qt's BSP index re-inserts every item when its depth changes (each time the item count
  // crosses a power of two) and when the scene rectangle changes: on a 100,000-node build
  // that was a full re-index of up to 200,000 items on the GUI thread, several times. Fix the
  // depth for the final graph and set the final rectangle while the scene is still empty.
  // nodesBoundingRect() stays as it is until the build ends: the view's fit after the reset
  // then shows the graph's first cards at full size, and each repaint during the build draws
  // a few of them instead of 20,000 blocks (100 ms a frame at the minimum zoom).
  QRectF r;
  for (const Node& n : nodes) r |= QRectF(n.x, n.y, kNodeWidth, kNodeHeight);
  const QRectF scene = paddedSceneRect(r);
  setSceneRect(scene);
  setBspTreeDepth(bspDepthFor(scene, 2 * nodes.size()));  // a card and an edge per node
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
    m_buildRevision = m_doc->revision();
    prepareIndexForBuild(nodes);
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
    dropEmptyGroups();
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
  // A small model after a big one: back to Qt's own choice of index depth (cheap now).
  if (reset && bspTreeDepth() != 0) setBspTreeDepth(0);
  applyFrozen();  // a rename, a new input or a reset moves the frozen set
}

QGraphicsItem* GraphScene::groupFor(QGraphicsItem*& current) {
  if (!current || current->childItems().size() >= kItemsPerGroup) {
    current = new ItemGroup;
    // Edges under the cards: z orders siblings only, so it is the groups' z that counts.
    current->setZValue(&current == &m_edgeGroup ? 0 : 1);
    addItem(current);
    m_groups.push_back(current);
  }
  return current;
}

void GraphScene::dropEmptyGroups() {
  QVector<QGraphicsItem*> kept;
  for (QGraphicsItem* g : std::as_const(m_groups)) {
    if (!g->childItems().isEmpty() || g == m_cardGroup || g == m_edgeGroup) {
      kept.push_back(g);
    } else {
      delete g;
    }
  }
  m_groups = std::move(kept);
}

void GraphScene::updateNodesRect() {
  QRectF r;
  for (NodeItem* item : std::as_const(m_nodes))
    r |= QRectF(item->pos(), QSizeF(kNodeWidth, kNodeHeight));
  m_nodesRect = r;
  // A new scene rectangle makes Qt re-index every item: keep the current one while the cards
  // stay inside it with room to spare and it is not far too big (dragging a card at the edge
  // of a 100,000-node graph would otherwise re-index it on every move).
  const QRectF current = sceneRect();
  const QRectF inner =
      r.adjusted(-kSceneMargin / 4, -kSceneMargin / 4, kSceneMargin / 4, kSceneMargin / 4);
  const QRectF outer =
      r.adjusted(-2 * kSceneMargin, -2 * kSceneMargin, 2 * kSceneMargin, 2 * kSceneMargin);
  if (!current.contains(inner) || !outer.contains(current)) setSceneRect(paddedSceneRect(r));
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
  // During a big build the new cards take the current analysis as they are made; the cards
  // made before it arrived are refreshed when the build ends (one sliced job at a time, so a
  // turn of the event loop never runs a build slice and an analysis slice back to back).
  if (m_building) {
    m_analysisAfterBuild = true;
    return;
  }
  // Up to kItemsPerSlice cards at once; more (100,000 cards took 130 ms of text formatting)
  // in slices, one per event-loop turn. A newer analysis restarts the pass.
  m_analysisPending = m_nodes.keys();
  m_analysisNext = 0;
  if (m_analysisPending.size() <= kItemsPerSlice)
    applyAnalysisSlice(m_analysisPending.size());
  else
    scheduleAnalysisSlices();
}

void GraphScene::scheduleAnalysisSlices() {
  if (m_analysisScheduled) return;
  m_analysisScheduled = true;
  QTimer::singleShot(0, this, [this] {
    m_analysisScheduled = false;
    QElapsedTimer clock;
    clock.start();
    while (m_analysisNext < m_analysisPending.size() && clock.elapsed() < kSliceMs)
      applyAnalysisSlice(kItemsPerGroup);
    if (m_analysisNext < m_analysisPending.size()) scheduleAnalysisSlices();
  });
}

void GraphScene::applyAnalysisSlice(qsizetype count) {
  const qsizetype end = std::min(m_analysisPending.size(), m_analysisNext + count);
  for (; m_analysisNext < end; ++m_analysisNext) {
    // By name: a card removed since the pass began is skipped, not touched.
    const QString& name = m_analysisPending[m_analysisNext];
    NodeItem* item = m_nodes.value(name);
    if (item && item->setAnalysis(m_doc->nodeAnalysis(name)))
      for (EdgeItem* e : item->outEdges()) e->adjust();
  }
  if (m_analysisNext >= m_analysisPending.size()) {
    m_analysisPending.clear();
    m_analysisNext = 0;
  }
}

}  // namespace loom::studio
