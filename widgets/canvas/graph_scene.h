// GraphScene: the QGraphicsScene that mirrors a Document's graph.
//
// It only listens: graphChanged/modelReset trigger sync(), analysisUpdated refreshes the
// node cards and edge labels. Syncing diffs the graph against the items (a node item keeps
// a copy of its Node), so an edit touches only the items that changed, and a whole-graph
// undo costs one pass of cheap comparisons. The scene never edits the document; GraphView
// turns user gestures into Document edits.
#pragma once

#include <QGraphicsScene>
#include <QHash>

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
  /// Refreshes analysis-derived text (params, FLOPs, shapes, errors).
  void applyAnalysis();

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

 private:
  void removeNodeItem(NodeItem* item);
  void syncEdges(NodeItem* item);
  Document* m_doc;
  QHash<QString, NodeItem*> m_nodes;
  int m_edgeCount = 0;
  QRectF m_nodesRect;
};

}  // namespace loom::studio
