// GraphScene: the QGraphicsScene that mirrors a Document's graph.
//
// It only listens: graphChanged/modelReset trigger sync(), analysisUpdated refreshes the
// node cards and edge labels. Syncing diffs the graph against the items (a node item keeps
// a copy of its Node), so an edit touches only the items that changed, and a whole-graph
// undo costs one pass of cheap comparisons. The scene never edits the document; GraphView
// turns user gestures into Document edits.
//
// Big graphs: when a sync would create more than kItemsPerSlice cards at once (a reset to a
// model of more nodes than that, e.g. opening one, or an edit adding that many), the cards and then
// their edges are built in slices of about kSliceMs each, one slice per event-loop turn, so the
// window stays live (a 100,000-node chain builds in a few seconds without a stall;
// tests/widgets/large_graph_test.cpp). buildProgress() reports the slices until built(). Edits
// during a build are picked up by the sync that ends it.
#pragma once

#include <QGraphicsScene>
#include <QHash>
#include <QSet>

#include "widgets/canvas/graph_items.h"
#include "widgets/document/document.h"

namespace loom::studio {

class GraphScene : public QGraphicsScene {
  Q_OBJECT

 public:
  explicit GraphScene(Document* doc, QObject* parent = nullptr);

  Document* document() const { return m_doc; }
  NodeItem* nodeItem(const QString& name) const { return m_nodes.value(name); }
  const QHash<QString, NodeItem*>& nodeItems() const { return m_nodes; }
  int edgeCount() const { return m_edgeCount; }
  /// Names of the selected nodes, in graph order.
  QStringList selectedNodeNames() const;
  void selectNodes(const QStringList& names);
  /// Bounding rectangle of all node cards (empty when there are none).
  QRectF nodesBoundingRect() const { return m_nodesRect; }

  /// Brings the items in line with the document (normally called through the signals).
  void sync();
  static constexpr int kItemsPerSlice = 2000;
  /// Cards (or edges) per parent item; see ItemGroup in the .cpp.
  static constexpr int kItemsPerGroup = 256;
  static constexpr int kSliceMs = 15;
  /// Refreshes analysis-derived text (params, FLOPs, shapes, errors): at once for up to
  /// kItemsPerSlice cards, else in slices of about kSliceMs (cards made meanwhile get the
  /// current analysis when they are created).
  void applyAnalysis();
  /// Marks the cards of Document::frozenNodes() frozen and the others not (after every graph
  /// change, settings change and reset).
  void applyFrozen();

  // ---- while a run trains (DesignMode feeds these from the TrainSession) ----
  /// Shows each named node's badge (nodes not in `stats` lose theirs) and colours every edge
  /// by the gradient norm at its source node's output, on a log scale from the smallest to
  /// the largest norm in `stats`.
  void setLiveStats(const QHash<QString, NodeItem::LiveStats>& stats);
  /// Removes badges, edge colours and the fault mark.
  void clearLiveStats();
  /// Marks `node` as where a run stopped on NaN/Inf (see NodeItem::setFault); false when the
  /// node is not in the scene.
  bool setFault(const QString& node, const QString& message);

 signals:
  /// Items were added, removed or moved by a sync (the minimap listens).
  void contentChanged();
  /// A sliced build has made `done` of `total` cards and edges (0 <= done <= total).
  void buildProgress(qint64 done, qint64 total);
  /// A sliced build has finished: every node and edge of the graph is on the scene.
  void built();

 private:
  void removeNodeItem(NodeItem* item);
  void syncEdges(NodeItem* item);
  /// Recomputes nodesBoundingRect() and the scene rectangle; emits contentChanged().
  void updateNodesRect();
  NodeItem* createNodeItem(const Node& node, const QString& name);
  /// One slice of a big build; schedules the next until done, then sync()s and emits built().
  void buildSlice();
  /// Before a big build: the scene rectangle and BSP depth for the final graph, so Qt's index
  /// never re-indexes the growing scene (see the .cpp).
  void prepareIndexForBuild(const std::vector<Node>& nodes);
  /// The group new items go under (m_cardGroup or m_edgeGroup), a new one when it is full.
  QGraphicsItem* groupFor(QGraphicsItem*& current);
  /// Deletes the groups whose items have all been removed.
  void dropEmptyGroups();
  /// Makes Qt's scene index take the items added so far (see the .cpp).
  void flushIndex();
  /// Queues the next turn's slices of applyAnalysis(): as many as fit in kSliceMs.
  void scheduleAnalysisSlices();
  /// Applies the analysis to the next `count` cards of m_analysisPending.
  void applyAnalysisSlice(qsizetype count);
  Document* m_doc;
  QHash<QString, NodeItem*> m_nodes;
  int m_edgeCount = 0;
  QRectF m_nodesRect;
  bool m_building = false;
  bool m_resetPending = false;           // the next sync() follows Document::modelReset
  size_t m_buildNext = 0;                // next graph node to make a card for
  qsizetype m_edgesNext = 0;             // next of m_buildCreated to give its edges
  std::uint64_t m_buildRevision = 0;     // Document::revision() when the build began
  QVector<NodeItem*> m_buildCreated;     // cards made by this build (edges still to come)
  QSet<QString> m_frozen;                // names applyFrozen() last marked frozen
  QVector<QGraphicsItem*> m_groups;      // every ItemGroup, in creation order
  QGraphicsItem* m_cardGroup = nullptr;  // where the next card goes
  QGraphicsItem* m_edgeGroup = nullptr;  // where the next edge goes
  QStringList m_analysisPending;         // cards applyAnalysis() has still to refresh, by name
  qsizetype m_analysisNext = 0;          // next of m_analysisPending
  bool m_analysisScheduled = false;      // a slice of applyAnalysis() is queued
  bool m_analysisAfterBuild = false;     // an analysis arrived during the build
};

}  // namespace loom::studio
