// Automatic layered layout of a graph with Graphviz's `dot` (through libgvc).
//
// dot ranks the nodes top to bottom along the edges, orders each rank to reduce crossings and
// spaces the cards so that none overlap, which keeps large models readable. Only node
// positions are computed (edge routing is skipped: the canvas draws its own curves), so the
// cost is ranking + crossing reduction + coordinate assignment.
//
// Graphviz is not thread-safe; computeLayeredLayout() serialises calls with a mutex and may
// be called from a worker thread (GraphView::autoLayout does).
#pragma once

#include <QHash>
#include <QPointF>
#include <QSizeF>
#include <QString>

#include "engine/core/status.h"
#include "engine/graph/graph.h"

namespace loom::studio {

struct LayoutOptions {
  QSizeF nodeSize{180, 64};  ///< card size in scene units
  double nodeSpacing = 40;   ///< horizontal gap between cards of one rank
  double rankSpacing = 36;   ///< vertical gap between ranks (room for the edge label)
  double grid = 10;          ///< positions are rounded to this grid (0 = no rounding)
};

/// Top-left positions for every node of `graph`, keyed by node name. The layout's top-left
/// corner is placed at `origin`. Edges to missing nodes are ignored; cycles are allowed
/// (dot reverses an edge). Fails only if Graphviz does.
Expected<QHash<QString, QPointF>> computeLayeredLayout(const Graph& graph, QPointF origin = {},
                                                       const LayoutOptions& options = {});

}  // namespace loom::studio
