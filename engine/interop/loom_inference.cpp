#include "engine/interop/loom_inference.h"

#include "engine/graph/analysis.h"

namespace loom {

Expected<std::unique_ptr<LoomInference>> LoomInference::create(const Model& model) {
  std::unique_ptr<LoomInference> self(new LoomInference);
  self->m_model = model;
  const GraphAnalysis analysis = analyzeGraph(self->m_model.graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(analysis.status);
  int inputs = 0;
  for (size_t i = 0; i < self->m_model.graph.nodes().size(); ++i) {
    const Node& n = self->m_model.graph.nodes()[i];
    if (n.op != "Input") continue;
    ++inputs;
    self->m_input = n.name;
    const Dims& out = analysis.nodes[i].shape.output;
    self->m_sampleDims.assign(out.begin() + 1, out.end());
  }
  if (inputs != 1)
    return unsupported("model \"" + model.name + "\" has " + std::to_string(inputs) +
                       " Input nodes; inference here takes exactly one");
  LOOM_ASSIGN_OR_RETURN(
      self->m_params, ParameterSet::create(self->m_model.graph, analysis, self->m_model.parameters,
                                           model.training.seed()));
  self->m_backends = defaultBackends();
  return self;
}

Expected<Tensor> LoomInference::run(const Tensor& batch) {
  if (batch.rank() != static_cast<int>(m_sampleDims.size()) + 1 ||
      !std::equal(m_sampleDims.begin(), m_sampleDims.end(), batch.dims().begin() + 1))
    return invalidArgument("input batch has shape " + dimsToString(batch.dims()) + " but Input \"" +
                           m_input + "\" takes [N] + " + dimsToString(m_sampleDims));
  const std::int64_t n = batch.dim(0);
  auto it = m_plans.find(n);
  if (it == m_plans.end()) {
    PlanOptions options;
    options.batch = n;
    options.training = false;
    for (const auto& b : m_backends) options.backends.push_back(b.get());
    LOOM_ASSIGN_OR_RETURN(Plan plan, Plan::compile(m_model.graph, m_params, options));
    it = m_plans.emplace(n, std::move(plan)).first;
  }
  const Tensor plain = batch.layout() == Layout::Plain ? batch : batch.toLayout(Layout::Plain);
  LOOM_RETURN_IF_ERROR(it->second.forward({{m_input, &plain}}, false, 0));
  return it->second.output().clone();
}

}  // namespace loom
