// Canvas positions for graphs that come without them.
//
// Node::x and Node::y are editor data; the engine ignores them. A model written by hand, by a
// script or by an importer (ONNX has no positions) may leave every node at (0, 0), and a canvas
// that stacks 100,000 cards on one point is both useless and slow (Qt's scene index degrades to
// a list). placeByDepth() gives such a graph a readable first layout in O(nodes + edges); the
// studio's Auto Layout (Graphviz dot) remains the better-looking, slower choice.
#pragma once

#include "engine/graph/graph.h"

namespace loom {

/// Spacing of placeByDepth(): the example models' (220 across, 90 down).
inline constexpr double kPlacementColumnStep = 220;
inline constexpr double kPlacementRowStep = 90;

/// True when `graph` has two or more nodes and all of them sit at the same position: the file
/// carried no layout. A graph whose author placed even two nodes apart is left alone.
bool lacksPlacement(const Graph& graph);

/// Positions every node: its row is its depth (the longest path from a node without inputs),
/// its column its order among the nodes of that row in topological order. A graph with a cycle
/// (which analysis reports) is placed in file order, 16 nodes to a row.
void placeByDepth(Graph& graph);

}  // namespace loom
