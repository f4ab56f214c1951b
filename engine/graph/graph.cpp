#include "engine/graph/graph.h"

#include <algorithm>
#include <queue>
#include <set>

namespace loom {

namespace {
Status graphError(std::string msg) {
  return {ErrorCode::InvalidGraph, std::move(msg)};
}
}  // namespace

int NodeNameIndex::find(const std::vector<Node>& nodes, const std::string& name) const {
  std::lock_guard lock(m_mutex);
  if (m_fresh) {
    auto it = m_index.find(name);
    if (it == m_index.end()) return -1;
    const auto i = static_cast<size_t>(it->second);
    if (i < nodes.size() && nodes[i].name == name) return it->second;
  }
  rebuild(nodes);
  auto it = m_index.find(name);
  return it == m_index.end() ? -1 : it->second;
}

void NodeNameIndex::rebuild(const std::vector<Node>& nodes) const {
  m_index.clear();
  m_index.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    m_index.emplace(nodes[i].name, static_cast<int>(i));  // first wins
  m_fresh = true;
}

void NodeNameIndex::appended(const std::string& name, int index) {
  std::lock_guard lock(m_mutex);
  if (m_fresh) m_index.emplace(name, index);
}

void NodeNameIndex::invalidate() {
  std::lock_guard lock(m_mutex);
  m_fresh = false;  // cheap: rebuild() clears the map, so a loop of mutable accesses costs nothing
}

Node* Graph::find(const std::string& name) {
  int i = indexOf(name);
  if (i >= 0) m_index.invalidate();  // the caller may rename the node through the pointer
  return i < 0 ? nullptr : &m_nodes[static_cast<size_t>(i)];
}

const Node* Graph::find(const std::string& name) const {
  int i = indexOf(name);
  return i < 0 ? nullptr : &m_nodes[static_cast<size_t>(i)];
}

int Graph::indexOf(const std::string& name) const {
  return m_index.find(m_nodes, name);
}

Status Graph::addNode(Node node) {
  if (node.name.empty()) return graphError("a node has an empty name");
  if (indexOf(node.name) >= 0) return graphError("node name \"" + node.name + "\" is already used");
  m_nodes.push_back(std::move(node));
  m_index.appended(m_nodes.back().name, static_cast<int>(m_nodes.size()) - 1);
  return Status::ok();
}

void Graph::removeNode(const std::string& name) {
  m_index.invalidate();
  std::erase_if(m_nodes, [&](const Node& n) { return n.name == name; });
  for (auto& n : m_nodes) std::erase(n.inputs, name);
  if (m_output == name) m_output.clear();
}

std::string Graph::uniqueName(const std::string& base) const {
  if (indexOf(base) < 0) return base;
  for (int i = 2;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (indexOf(candidate) < 0) return candidate;
  }
}

Status Graph::checkStructure() const {
  std::set<std::string> seen;
  for (const auto& n : m_nodes) {
    if (n.name.empty()) return graphError("a node of op \"" + n.op + "\" has an empty name");
    if (!seen.insert(n.name).second)
      return graphError("node name \"" + n.name + "\" is used twice");
  }
  for (const auto& n : m_nodes)
    for (const auto& in : n.inputs)
      if (!seen.count(in))
        return graphError("node \"" + n.name + "\": input \"" + in + "\" does not exist");
  LOOM_RETURN_IF_ERROR(topologicalOrder().status());
  return resolvedOutput().status();
}

Expected<std::vector<int>> Graph::topologicalOrder() const {
  const size_t n = m_nodes.size();
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (size_t i = 0; i < n; ++i) {
    for (const auto& in : m_nodes[i].inputs) {
      int p = indexOf(in);
      if (p < 0)
        return graphError("node \"" + m_nodes[i].name + "\": input \"" + in + "\" does not exist");
      consumers[static_cast<size_t>(p)].push_back(static_cast<int>(i));
      ++pending[i];
    }
  }
  // Kahn's algorithm with a min-heap on file position, so ties keep file order.
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(static_cast<int>(i));
  std::vector<int> order;
  order.reserve(n);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(c)] == 0) ready.push(c);
  }
  if (order.size() != n) {
    for (size_t i = 0; i < n; ++i)
      if (pending[i] > 0) return graphError("node \"" + m_nodes[i].name + "\" is part of a cycle");
  }
  return order;
}

Expected<std::string> Graph::resolvedOutput() const {
  if (!m_output.empty()) {
    if (indexOf(m_output) < 0)
      return graphError("the graph's output \"" + m_output + "\" does not exist");
    return m_output;
  }
  if (m_nodes.empty()) return graphError("the graph is empty");
  std::set<std::string> consumed;
  for (const auto& n : m_nodes)
    for (const auto& in : n.inputs) consumed.insert(in);
  std::vector<std::string> sinks;
  for (const auto& n : m_nodes)
    if (!consumed.count(n.name)) sinks.push_back(n.name);
  if (sinks.size() != 1) {
    std::string list;
    for (const auto& s : sinks) list += (list.empty() ? "" : ", ") + s;
    return graphError("the graph has " + std::to_string(sinks.size()) + " unconsumed nodes (" +
                      list + "); set `output:` to choose one");
  }
  return sinks.front();
}

}  // namespace loom
