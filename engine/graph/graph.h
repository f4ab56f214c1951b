// The graph IR: the single source of truth for a model's structure.
//
// A Graph is a DAG of named Nodes. Every op has exactly one output, so an edge is simply
// "node B lists node A's name among its inputs". The editor edits a Graph through undo
// commands; the CLI loads, validates and trains the same Graph. A Graph holds no tensors:
// parameters live in Model::parameters, keyed "<node>.<param>" (e.g. "conv1.weights").
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/core/status.h"
#include "engine/ops/attr.h"

namespace loom {

struct Node {
  std::string name;                 ///< unique within the graph; [A-Za-z_][A-Za-z0-9_./-]*
  std::string op;                   ///< registered op name, e.g. "Conv2D"
  std::vector<std::string> inputs;  ///< names of the producing nodes, in port order
  AttrMap attrs;                    ///< only attributes the user set; defaults come from the schema
  double x = 0, y = 0;              ///< canvas position (editor only; ignored by the engine)

  bool operator==(const Node&) const = default;
};

/// Name -> index lookup for a Graph, rebuilt on demand. Not part of a graph's value: copies
/// start empty and every index compares equal. Lookups may run concurrently (a mutex guards
/// the rebuild), so two threads may read one const Graph.
class NodeNameIndex {
 public:
  NodeNameIndex() = default;
  NodeNameIndex(const NodeNameIndex&) {}
  NodeNameIndex& operator=(const NodeNameIndex&) {
    invalidate();
    return *this;
  }
  bool operator==(const NodeNameIndex&) const { return true; }

  /// Index of the first node named `name`, or -1; O(1) unless the index must be rebuilt.
  int find(const std::vector<Node>& nodes, const std::string& name) const;
  /// Records that nodes[index] was appended with `name` (keeps the index fresh).
  void appended(const std::string& name, int index);
  /// Forgets everything; the next find() rebuilds.
  void invalidate();

 private:
  void rebuild(const std::vector<Node>& nodes) const;

  mutable std::mutex m_mutex;
  mutable std::unordered_map<std::string, int> m_index;
  mutable bool m_fresh = false;
};

class Graph {
 public:
  /// Mutable access. Edits made through it (renames, reordering) are seen by the next lookup:
  /// taking the mutable reference invalidates the name index. Do not keep the reference
  /// across calls to find()/indexOf() while still renaming through it.
  std::vector<Node>& nodes() {
    m_index.invalidate();
    return m_nodes;
  }
  const std::vector<Node>& nodes() const { return m_nodes; }

  /// Name of the node whose output is the model's output (logits for classifiers).
  /// Empty means "the last node in topological order that nothing consumes".
  const std::string& output() const { return m_output; }
  void setOutput(std::string name) { m_output = std::move(name); }

  /// The node named `name`, or null. The mutable overload invalidates the name index (the
  /// caller may rename the node).
  Node* find(const std::string& name);
  const Node* find(const std::string& name) const;
  /// Index in nodes(), or -1. Constant time (a hash index, rebuilt after mutable access), so
  /// analysis of a graph is linear in its nodes and edges.
  int indexOf(const std::string& name) const;

  /// Appends a node. Fails with InvalidGraph if the name is taken or empty.
  Status addNode(Node node);
  /// Removes a node and every reference to it from other nodes' inputs.
  void removeNode(const std::string& name);
  /// A name not used yet: `base` itself, or base_2, base_3, ...
  std::string uniqueName(const std::string& base) const;

  /// Checks structure only (no ops): unique non-empty names, inputs exist, no cycles, the
  /// output exists. Messages name the node, e.g. `node "fc1": input "conv9" does not exist`.
  Status checkStructure() const;
  /// Node indices in a topological order (inputs before consumers); stable for ties
  /// (file order). Fails with InvalidGraph on a cycle, naming a node on it.
  Expected<std::vector<int>> topologicalOrder() const;
  /// The resolved output node name (see output()). Fails if the graph is empty or ambiguous.
  Expected<std::string> resolvedOutput() const;

  bool operator==(const Graph&) const = default;

 private:
  std::vector<Node> m_nodes;
  std::string m_output;
  NodeNameIndex m_index;
};

}  // namespace loom
