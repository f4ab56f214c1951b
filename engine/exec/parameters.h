// Parameters: the trainable tensors (and buffers such as BatchNorm running statistics)
// of a model, with their gradients. Shared by the executor (which reads values and
// writes gradients), optimizers, gradient synchronisation and checkpoints.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/graph/analysis.h"
#include "engine/graph/graph.h"

namespace loom {

/// One named parameter with its gradient. Values and gradients are Plain layout.
struct Parameter {
  std::string name;  ///< "<node>.<param>"
  Tensor value;
  Tensor grad;  ///< empty for buffers (non-trainable)
  bool trainable = true;
};

/// All parameters of a model, in a fixed order (graph order, then the op's param order):
/// the order used by optimizers, gradient synchronisation and checkpoints.
class ParameterSet {
 public:
  std::vector<Parameter>& all() { return m_params; }
  const std::vector<Parameter>& all() const { return m_params; }
  Parameter* find(const std::string& name);
  const Parameter* find(const std::string& name) const;

  /// Creates every parameter the analysed graph needs. Values come from `initial` when it
  /// has an entry of the right dims (else ModelMismatch naming the parameter and both
  /// shapes); missing ones are initialised from the op's InitSpec with key (seed, node).
  static Expected<ParameterSet> create(const Graph& graph, const GraphAnalysis& analysis,
                                       const std::map<std::string, Tensor>& initial,
                                       std::uint64_t seed);
  /// Copies of the values, keyed by name (for Model::parameters and export).
  std::map<std::string, Tensor> values() const;
  void zeroGrads();

 private:
  std::vector<Parameter> m_params;
};

}  // namespace loom
