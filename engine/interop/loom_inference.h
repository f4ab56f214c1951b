// Runs a Loom model forward in inference mode on batches of any size: the one path by which
// export's parity check, `loom predict` and the import tests compute Loom's numbers.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"
#include "engine/exec/plan.h"
#include "engine/graph/model.h"

namespace loom {

class LoomInference {
 public:
  /// Analyses the model and creates its parameters (model.parameters, the missing ones
  /// initialised with the model's seed). The model must have exactly one Input node. The
  /// model is copied; the object owns everything it uses.
  static Expected<std::unique_ptr<LoomInference>> create(const Model& model);

  /// Output for `batch` ([N, per-sample dims...], Plain F32); plans are compiled per batch
  /// size on first use. InvalidArgument when the per-sample dims differ from the input's.
  Expected<Tensor> run(const Tensor& batch);

  const Dims& sampleDims() const { return m_sampleDims; }  ///< the Input's per-sample shape
  const std::string& inputName() const { return m_input; }

 private:
  LoomInference() = default;
  Model m_model;
  ParameterSet m_params;
  std::vector<std::shared_ptr<Backend>> m_backends;
  std::map<std::int64_t, Plan> m_plans;
  std::string m_input;
  Dims m_sampleDims;
};

}  // namespace loom
