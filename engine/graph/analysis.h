// Whole-graph analysis: structure, attributes, shapes, parameters and cost for every node.
//
// Used by the executor (compile), `loom info`, and the studio on every edit. Analysis does
// not stop at the first bad node: every node gets its own Status, and nodes downstream of
// a bad one report "input \"x\" is invalid" so the editor can outline exactly the cause.
#pragma once

#include <string>
#include <vector>

#include "engine/graph/graph.h"
#include "engine/ops/op.h"

namespace loom {

struct NodeAnalysis {
  const Op* op = nullptr;       ///< null if the op is unknown
  Attrs attrs;                  ///< resolved (defaults filled in)
  std::vector<Dims> inputDims;  ///< batch first
  ShapeInfo shape;              ///< output dims and parameter definitions
  Cost cost;
  Status status;  ///< message already names the node
};

struct GraphAnalysis {
  std::vector<NodeAnalysis> nodes;  ///< same order as Graph::nodes()
  std::vector<int> order;           ///< topological order (empty if the structure is broken)
  std::string outputNode;           ///< resolved output, if any
  Status status;                    ///< OK, or the first error in topological order
  Cost total;                       ///< sums over valid nodes
  /// Bytes of all parameters (trainable and buffers).
  std::int64_t parameterBytes = 0;
};

/// Analyses `graph` at batch size `batch` using `registry`.
GraphAnalysis analyzeGraph(const Graph& graph, const OpRegistry& registry, std::int64_t batch);

/// The per-node error prefix used everywhere: `node "conv1" (Conv2D)`.
std::string nodeLabel(const Node& node);

}  // namespace loom
