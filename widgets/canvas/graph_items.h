// Scene items of the graph canvas: a NodeItem per graph node, an EdgeItem per input edge.
//
// Items are views of the Document: they hold a copy of the node they show and the display
// strings derived from the latest analysis, and they are created, updated and deleted only
// by GraphScene::sync(). Geometry (scene units = canvas units of the `.loom` file): a node's
// (x, y) is the top-left corner of its card; the card is kNodeWidth x kNodeHeight; input
// ports sit on the top edge, the single output port at the middle of the bottom edge, so
// data flows top to bottom like the example models and Graphviz's rankdir=TB.
#pragma once

#include <QGraphicsItem>
#include <QVector>
#include <optional>

#include "engine/graph/analysis.h"

namespace loom::studio {

class EdgeItem;

inline constexpr double kNodeWidth = 180;
inline constexpr double kNodeHeight = 64;
inline constexpr double kPortRadius = 5;
/// Below this level of detail (scale factor of the view) items draw simplified, without text.
inline constexpr double kDetailThreshold = 0.4;
/// Below this one cards show only their name (op, cost and port labels are too small to read).
inline constexpr double kTextThreshold = 0.7;

/// The palette group colour of an op category (OpSchema::category); grey when unknown.
QColor categoryColor(const std::string& category);
/// The red of a card with an error (outline, far-away block, minimap).
QColor cardErrorColor();
/// The ice blue of a frozen card.
QColor frozenCardColor();
/// Compact counts: 980, 12.3k, 4.5M, 1.2G.
QString compactCount(std::int64_t n);
/// A shape as `1×32×28×28`.
QString dimsText(const Dims& dims);

class NodeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };
  struct Port {
    bool output = false;
    int index = 0;  ///< input port index (0 for the output)
  };

  /// Live statistics of a training run, drawn in a badge to the right of the card (the
  /// graph editor while training; see GraphScene::setLiveStats).
  struct LiveStats {
    double mean = 0, std = 0;  ///< of the node's output activation
    double zeroFraction = 0;   ///< exact zeros of the output (dead ReLU units)
    bool showZeros = false;    ///< the op is a ReLU: the zero fraction is "dead"
    bool hasGradient = false;
    double gradNorm = 0;     ///< L2 norm of the gradient at the output
    bool nonFinite = false;  ///< NaN or Inf in the output or its gradient
  };

  explicit NodeItem(const Node& node);
  int type() const override { return Type; }

  const Node& node() const { return m_node; }
  QString name() const { return m_name; }
  /// Shows `node` (the op, attributes, inputs or position may have changed).
  void setNode(const Node& node);
  /// Shows the analysis of this node (null: not analysed yet). Returns true if anything
  /// displayed changed.
  bool setAnalysis(const NodeAnalysis* analysis);
  bool isValid() const { return m_valid; }
  /// The op category's colour (the card's strip).
  QColor color() const { return m_color; }
  const QString& errorMessage() const { return m_error; }
  /// The producer's output shape as drawn on outgoing edges (empty when unknown).
  const QString& outputShapeText() const { return m_shapeText; }

  /// Input ports drawn: the schema's ports, or for variadic ops the connected ones plus an
  /// empty "append" port.
  int inputPortCount() const;
  QPointF inputPortPos(int port) const;  ///< item coordinates
  QPointF outputPortPos() const { return {kNodeWidth / 2, kNodeHeight}; }
  /// The port under `itemPos` (within a few pixels), if any.
  std::optional<Port> portAt(QPointF itemPos) const;
  /// The port a connection dropped on the card body goes to: the first free one, or 0.
  int defaultInputPort() const;

  QVector<EdgeItem*>& inEdges() { return m_in; }  ///< index = input port
  QVector<EdgeItem*>& outEdges() { return m_out; }

  /// Shows (or, with nothing, hides) the live badge.
  void setLiveStats(const std::optional<LiveStats>& stats);
  const std::optional<LiveStats>& liveStats() const { return m_live; }
  /// Marks the node as the one a run stopped at (NaN/Inf), with the engine's message (drawn
  /// in the badge, and the tooltip); an empty message clears the mark.
  void setFault(const QString& message);
  const QString& fault() const { return m_fault; }

  /// Transfer learning: the node is frozen (training.freeze_until covers it). Drawn with a
  /// frost tint and a snowflake badge on the card. Returns true if it changed.
  bool setFrozen(bool frozen);
  bool isFrozen() const { return m_frozen; }

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

  /// Set by the scene while it applies document state, so snapping leaves positions alone.
  static void setSyncing(bool syncing);
  /// Grid used while the user drags (0 = off).
  static void setSnapGrid(double grid);

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

 private:
  QString portLabel(int port) const;
  void paintBadge(QPainter* painter, const QPalette& pal, bool faulty) const;
  void paintFrost(QPainter* painter, const QRectF& card) const;
  Node m_node;
  QString m_name;
  QString m_op;
  const OpSchema* m_schema = nullptr;
  QColor m_color;
  bool m_valid = true;
  QString m_error;
  QString m_info;       // "12.3k params · 1.2 MFLOP"
  QString m_shapeText;  // output shape
  QVector<EdgeItem*> m_in;
  QVector<EdgeItem*> m_out;
  std::optional<LiveStats> m_live;
  QString m_fault;
  bool m_frozen = false;
};

class EdgeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 2 };
  EdgeItem(NodeItem* from, NodeItem* to, int port);
  int type() const override { return Type; }

  NodeItem* from() const { return m_from; }
  NodeItem* to() const { return m_to; }
  int port() const { return m_port; }
  /// Recomputes the curve after either end moved or the label changed.
  void adjust();
  /// Colours the edge by the gradient flowing back along it: `level` in [0, 1] (0 smallest,
  /// 1 largest of the graph, log scale), or < 0 for the normal colour.
  void setGradientLevel(double level);
  double gradientLevel() const { return m_gradient; }

  QRectF boundingRect() const override { return m_bounds; }
  /// The curve widened to 8 units for hit tests; stroked on first use after adjust() (most of
  /// a big graph's edges are never hit-tested, and stroking was most of building them).
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  NodeItem* m_from;
  NodeItem* m_to;
  int m_port;
  QPainterPath m_path;
  mutable QPainterPath m_hitShape;  // empty: not stroked since the last adjust()
  QRectF m_labelRect;
  QRectF m_bounds;
  double m_gradient = -1;
};

}  // namespace loom::studio
