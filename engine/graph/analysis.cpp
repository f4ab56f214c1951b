#include "engine/graph/analysis.h"

namespace loom {

std::string nodeLabel(const Node& node) { return "node \"" + node.name + "\" (" + node.op + ")"; }

GraphAnalysis analyzeGraph(const Graph& graph, const OpRegistry& registry, std::int64_t batch) {
  GraphAnalysis result;
  const auto& nodes = graph.nodes();
  result.nodes.resize(nodes.size());

  auto orderOr = graph.topologicalOrder();
  if (!orderOr) {
    result.status = orderOr.status();
    for (auto& na : result.nodes) na.status = result.status;
    return result;
  }
  result.order = *orderOr;
  auto outputOr = graph.resolvedOutput();
  if (outputOr) result.outputNode = *outputOr;

  for (int idx : result.order) {
    const Node& node = nodes[static_cast<size_t>(idx)];
    NodeAnalysis& na = result.nodes[static_cast<size_t>(idx)];
    const std::string label = nodeLabel(node);
    na.op = registry.find(node.op);
    if (!na.op) {
      na.status = Status(ErrorCode::UnknownOp, label + ": unknown op \"" + node.op + "\"");
      continue;
    }
    const OpSchema& schema = na.op->schema();
    const int n = static_cast<int>(node.inputs.size());
    if (n < schema.minInputs || (schema.maxInputs >= 0 && n > schema.maxInputs)) {
      std::string expected = schema.maxInputs == schema.minInputs
                                 ? std::to_string(schema.minInputs)
                                 : schema.maxInputs < 0 ? "at least " + std::to_string(schema.minInputs)
                                                        : std::to_string(schema.minInputs) + " to " +
                                                              std::to_string(schema.maxInputs);
      na.status = Status(ErrorCode::InvalidGraph, label + ": takes " + expected + " input(s), got " +
                                                      std::to_string(n));
      continue;
    }
    bool inputsOk = true;
    for (const auto& in : node.inputs) {
      const NodeAnalysis& src = result.nodes[static_cast<size_t>(graph.indexOf(in))];
      if (!src.status.isOk() || src.op == nullptr) {
        na.status = Status(ErrorCode::InvalidGraph, label + ": input \"" + in + "\" is invalid");
        inputsOk = false;
        break;
      }
      na.inputDims.push_back(src.shape.output);
    }
    if (!inputsOk) continue;
    auto attrsOr = resolveAttrs(schema, node.attrs);
    if (!attrsOr) {
      // An attribute out of its range is a defect of the model file (exit 3), not of the
      // command line: the code changes, the message (naming node, attribute, value) stays.
      na.status = Status(ErrorCode::InvalidGraph, attrsOr.status().withContext(label).message());
      continue;
    }
    na.attrs = std::move(*attrsOr);
    std::vector<Dims> dims = na.inputDims;
    if (schema.name == "Input") dims = {Dims{batch}};  // Input reads the batch size from here
    auto shapeOr = na.op->inferShapes(dims, na.attrs);
    if (!shapeOr) {
      na.status = shapeOr.status().withContext(label);
      continue;
    }
    na.shape = std::move(*shapeOr);
    na.cost = na.op->cost(na.inputDims, na.shape, na.attrs);
    result.total.params += na.cost.params;
    result.total.flops += na.cost.flops;
    result.total.activationBytes += na.cost.activationBytes;
    for (const auto& p : na.shape.params) result.parameterBytes += numElements(p.dims) * 4;
  }
  if (!outputOr) {
    result.status = outputOr.status();
    return result;
  }
  for (int idx : result.order) {
    if (!result.nodes[static_cast<size_t>(idx)].status.isOk()) {
      // Report the root cause: the first failing node whose own inputs were fine.
      result.status = result.nodes[static_cast<size_t>(idx)].status;
      break;
    }
  }
  return result;
}

}  // namespace loom
