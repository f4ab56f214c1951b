// Freezing for transfer learning (freeze.h).
#include "engine/train/freeze.h"

#include <set>

#include "engine/graph/transfer.h"

namespace loom {

Expected<FrozenSet> resolveFrozenSet(const Graph& graph, const std::string& freezeUntil) {
  FrozenSet frozen;
  frozen.until = freezeUntil;
  if (freezeUntil.empty()) return frozen;
  LOOM_RETURN_IF_ERROR(checkNodeName(graph, freezeUntil, "training.freeze_until"));
  frozen.nodes = ancestorsOf(graph, freezeUntil);
  return frozen;
}

Status freezeParameters(ParameterSet& params, FrozenSet& frozen) {
  if (frozen.nodes.empty()) return Status::ok();
  const std::set<std::string> nodes(frozen.nodes.begin(), frozen.nodes.end());
  bool trainableLeft = false;
  for (Parameter& p : params.all()) {
    // "<node>.<param>": the param name has no dot, the node name may.
    const std::string node = p.name.substr(0, p.name.rfind('.'));
    if (!nodes.count(node)) {
      trainableLeft |= p.trainable;
      continue;
    }
    p.trainable = false;
    p.grad = Tensor();
    frozen.parameters += p.value.numel();
    ++frozen.tensors;
  }
  if (!trainableLeft)
    return invalidArgument("training.freeze_until \"" + frozen.until +
                           "\" freezes every trainable parameter of the model, so nothing would "
                           "train; freeze up to a node before the last layer with parameters");
  return Status::ok();
}

std::string frozenSummary(const FrozenSet& frozen) {
  if (frozen.nodes.empty()) return {};
  constexpr std::size_t kListed = 8;  // an imported model may freeze thousands of nodes
  std::string list;
  for (std::size_t i = 0; i < frozen.nodes.size() && i < kListed; ++i)
    list += (i ? ", " : "") + frozen.nodes[i];
  if (frozen.nodes.size() > kListed)
    list += ", ... " + std::to_string(frozen.nodes.size() - kListed) + " more";
  return "frozen up to \"" + frozen.until + "\": " + std::to_string(frozen.nodes.size()) +
         " nodes (" + list + "), " + std::to_string(frozen.tensors) + " tensors, " +
         std::to_string(frozen.parameters) + " parameters";
}

}  // namespace loom
