#include "engine/exec/parameters.h"

#include "engine/core/rng.h"
#include "engine/ops/op.h"

namespace loom {

Parameter* ParameterSet::find(const std::string& name) {
  for (auto& p : m_params)
    if (p.name == name) return &p;
  return nullptr;
}

const Parameter* ParameterSet::find(const std::string& name) const {
  for (const auto& p : m_params)
    if (p.name == name) return &p;
  return nullptr;
}

Expected<ParameterSet> ParameterSet::create(const Graph& graph, const GraphAnalysis& analysis,
                                            const std::map<std::string, Tensor>& initial,
                                            std::uint64_t seed) {
  ParameterSet set;
  const auto& nodes = graph.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeAnalysis& na = analysis.nodes[i];
    if (!na.status.isOk()) return na.status;
    for (size_t k = 0; k < na.shape.params.size(); ++k) {
      const ParamInfo& info = na.shape.params[k];
      Parameter p;
      p.name = nodes[i].name + "." + info.name;
      p.trainable = info.trainable;
      auto it = initial.find(p.name);
      if (it != initial.end()) {
        if (it->second.dims() != info.dims)
          return Status(ErrorCode::ModelMismatch, "parameter \"" + p.name + "\" has shape " +
                                                      dimsToString(it->second.dims()) + " but " +
                                                      nodeLabel(nodes[i]) + " needs " +
                                                      dimsToString(info.dims));
        p.value = it->second.toLayout(Layout::Plain).clone();
      } else {
        p.value = Tensor(info.dims);
        // Keyed by the parameter's name, so adding a node elsewhere does not change
        // the initial values of the others.
        std::uint64_t nameHash = 1469598103934665603ull;
        for (unsigned char c : p.name) nameHash = (nameHash ^ c) * 1099511628211ull;
        initializeTensor(p.value, info.init,
                         rngKey(seed, {static_cast<std::uint64_t>(RngPurpose::Init), nameHash}));
      }
      if (p.trainable) p.grad = Tensor(info.dims);
      set.m_params.push_back(std::move(p));
    }
  }
  return set;
}

std::map<std::string, Tensor> ParameterSet::values() const {
  std::map<std::string, Tensor> out;
  for (const auto& p : m_params) out[p.name] = p.value.clone();
  return out;
}

void ParameterSet::zeroGrads() {
  for (auto& p : m_params) p.grad.zero();
}

}  // namespace loom
