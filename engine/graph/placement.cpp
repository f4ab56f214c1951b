#include "engine/graph/placement.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace loom {

bool lacksPlacement(const Graph& graph) {
  const auto& nodes = graph.nodes();
  if (nodes.size() < 2) return false;
  return std::all_of(nodes.begin(), nodes.end(), [&](const Node& n) {
    return n.x == nodes.front().x && n.y == nodes.front().y;
  });
}

void placeByDepth(Graph& graph) {
  auto& nodes = graph.nodes();
  const auto order = graph.topologicalOrder();
  if (!order) {
    constexpr size_t kPerRow = 16;
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].x = kPlacementColumnStep * static_cast<double>(i % kPerRow);
      nodes[i].y = kPlacementRowStep * static_cast<double>(i / kPerRow);
    }
    return;
  }
  // Keys are views of the node names, which do not move while `nodes` is not resized.
  std::unordered_map<std::string_view, int> depth;
  depth.reserve(nodes.size());
  std::vector<int> usedInRow;
  for (int i : *order) {
    Node& n = nodes[static_cast<size_t>(i)];
    int d = 0;
    for (const std::string& in : n.inputs)
      if (auto it = depth.find(in); it != depth.end()) d = std::max(d, it->second + 1);
    depth.emplace(n.name, d);
    if (static_cast<size_t>(d) >= usedInRow.size()) usedInRow.resize(static_cast<size_t>(d) + 1);
    n.x = kPlacementColumnStep * usedInRow[static_cast<size_t>(d)]++;
    n.y = kPlacementRowStep * d;
  }
}

}  // namespace loom
