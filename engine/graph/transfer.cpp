// Graph surgery for transfer learning (transfer.h).
#include "engine/graph/transfer.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/graph/analysis.h"

namespace loom {

namespace {

/// Canvas distance between two layers (the importer's and the examples' row height).
constexpr double kRowHeight = 90;

std::string lowered(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Levenshtein distance, two rows.
std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

std::vector<std::string> ancestorsOf(const Graph& graph, const std::string& node) {
  // No node named (nothing frozen, the usual case): no name index of the whole graph built
  // only to miss (40 ms at 100,000 nodes, on the studio's GUI thread after every reset).
  if (node.empty() || graph.indexOf(node) < 0) return {};
  std::set<std::string> seen{node};
  std::vector<std::string> todo{node};
  while (!todo.empty()) {
    const Node* n = graph.find(todo.back());
    todo.pop_back();
    if (!n) continue;  // a dangling input: checkStructure() reports it elsewhere
    for (const std::string& in : n->inputs)
      if (seen.insert(in).second) todo.push_back(in);
  }
  std::vector<std::string> inFileOrder;
  for (const Node& n : graph.nodes())
    if (seen.count(n.name)) inFileOrder.push_back(n.name);
  return inFileOrder;
}

std::vector<std::string> nearNodeNames(const Graph& graph, const std::string& name,
                                       std::size_t limit) {
  const std::string want = lowered(name);
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const Node& n : graph.nodes()) {
    const std::string have = lowered(n.name);
    const bool contains = !want.empty() && (have.find(want) != std::string::npos ||
                                            want.find(have) != std::string::npos);
    const std::size_t d = editDistance(want, have);
    // Close: a typo or two (a third of the longer name), or one name inside the other.
    if (contains || d * 3 <= std::max(want.size(), have.size())) scored.emplace_back(d, n.name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, n] : scored)
    if (out.size() < limit) out.push_back(n);
  for (const Node& n : graph.nodes())
    if (scored.empty() && out.size() < limit) out.push_back(n.name);
  return out;
}

Status checkNodeName(const Graph& graph, const std::string& name, const std::string& what) {
  if (graph.indexOf(name) >= 0) return Status::ok();
  const std::vector<std::string> near = nearNodeNames(graph, name);
  return invalidArgument(
      what + " \"" + name + "\" names no node of the model" +
      (near.empty() ? std::string(" (the graph is empty)") : "; near names: " + joined(near)));
}

Expected<Graph> cutAfter(const Graph& graph, const std::string& node) {
  LOOM_RETURN_IF_ERROR(checkNodeName(graph, node, "cut after"));
  if (auto output = graph.resolvedOutput(); output && *output == node)
    return invalidArgument("cut after \"" + node +
                           "\": it is the model's output, so the cut would remove nothing; "
                           "cut after a node before it (a feature layer)");
  const std::vector<std::string> kept = ancestorsOf(graph, node);
  const std::set<std::string> keep(kept.begin(), kept.end());
  Graph cut;
  for (const Node& n : graph.nodes())
    if (keep.count(n.name)) LOOM_RETURN_IF_ERROR(cut.addNode(n));
  cut.setOutput(node);
  return cut;
}

Expected<Graph> appendHead(const Graph& graph, const HeadOptions& options) {
  if (options.classes < 1)
    return invalidArgument("the new head needs at least 1 class, got " +
                           std::to_string(options.classes));
  const GraphAnalysis analysis = analyzeGraph(graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  const int at = graph.indexOf(analysis.outputNode);
  const Node& last = graph.nodes()[static_cast<std::size_t>(at)];
  const Dims& dims = analysis.nodes[static_cast<std::size_t>(at)].shape.output;

  Graph out = graph;
  std::string feeds = last.name;
  double y = last.y;
  if (dims.size() > 2) {  // [N, C, H, W] and the like: Dense needs [N, features]
    Node flatten;
    flatten.name = out.uniqueName(options.name + "_flatten");
    flatten.op = "Flatten";
    flatten.inputs = {feeds};
    flatten.x = last.x;
    flatten.y = y += kRowHeight;
    feeds = flatten.name;
    LOOM_RETURN_IF_ERROR(out.addNode(std::move(flatten)));
  }
  Node dense;
  dense.name = out.uniqueName(options.name);
  dense.op = "Dense";
  dense.inputs = {feeds};
  dense.attrs["units"] = options.classes;
  dense.x = last.x;
  dense.y = y + kRowHeight;
  out.setOutput(dense.name);
  LOOM_RETURN_IF_ERROR(out.addNode(std::move(dense)));
  return out;
}

Expected<TransferResult> editForTransfer(const Model& model, const TransferEdit& edit) {
  if (edit.cutAfter.empty() && !edit.headClasses && edit.freezeUntil.empty())
    return invalidArgument(
        "nothing to edit: give a node to cut after, a head to append or a "
        "node to freeze up to");
  // The parameter names each node owns, from the original graph's analysis.
  const GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  TransferResult result;
  Model& out = result.model;
  out = model;
  if (!edit.cutAfter.empty()) {
    LOOM_ASSIGN_OR_RETURN(out.graph, cutAfter(model.graph, edit.cutAfter));
    result.notes.push_back("cut after \"" + edit.cutAfter + "\": kept " +
                           std::to_string(out.graph.nodes().size()) + " of " +
                           std::to_string(model.graph.nodes().size()) + " nodes");
  }
  // Parameters travel with the nodes the cut kept (a new head may reuse a removed name).
  std::set<std::string> kept;
  for (const Node& n : out.graph.nodes()) kept.insert(n.name);
  if (edit.headClasses) {
    HeadOptions head;
    head.classes = *edit.headClasses;
    LOOM_ASSIGN_OR_RETURN(out.graph, appendHead(out.graph, head));
    result.notes.push_back("appended a head of " + std::to_string(head.classes) +
                           " classes: node \"" + out.graph.output() +
                           "\" (Dense), initialised when training starts");
  }
  if (!edit.freezeUntil.empty()) {
    LOOM_RETURN_IF_ERROR(checkNodeName(out.graph, edit.freezeUntil, "freeze until"));
    out.training.set_freeze_until(edit.freezeUntil);
  } else if (const std::string was = out.training.freeze_until();
             !was.empty() && out.graph.indexOf(was) < 0) {
    out.training.clear_freeze_until();
    result.notes.push_back("training.freeze_until \"" + was +
                           "\" named a node the cut removed; nothing is frozen now");
  }
  out.parameters.clear();
  const auto& nodes = model.graph.nodes();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!kept.count(nodes[i].name)) continue;
    for (const ParamInfo& info : analysis.nodes[i].shape.params) {
      const std::string key = nodes[i].name + "." + info.name;
      if (auto it = model.parameters.find(key); it != model.parameters.end())
        out.parameters.emplace(key, it->second);
    }
  }
  return result;
}

}  // namespace loom
