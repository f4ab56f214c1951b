#include "engine/graph/analysis.h"

#include "engine/core/memory_budget.h"

namespace loom {

namespace {
// Every tensor a node will allocate (its output at this batch size, each parameter) must have
// a size that fits in 64 bits and in the memory budget; checked before cost() multiplies the
// dimensions and long before anything is allocated.
Status checkTensorSizes(const ShapeInfo& shape, std::int64_t batch, const std::string& label) {
  const std::int64_t budget = memoryBudgetBytes();
  auto check = [&](const Dims& dims, const std::string& what) -> Status {
    const auto bytes = checkedNumElements(dims, 4);
    if (!bytes)
      return Status(ErrorCode::InvalidGraph, label + ": " + what + " " + dimsToString(dims) +
                                                 " has more elements than fit in 64 bits");
    if (*bytes > budget)
      return Status(
          ErrorCode::InvalidGraph,
          label + ": " + what + " " + dimsToString(dims) + " needs " +
              formatBytes(static_cast<double>(*bytes)) + ", more than the memory budget of " +
              formatBytes(static_cast<double>(budget)) +
              (what == "output" ? " at batch size " + std::to_string(batch) : std::string()) +
              " (LOOM_MEMORY_BUDGET sets it)");
    return Status::ok();
  };
  LOOM_RETURN_IF_ERROR(check(shape.output, "output"));
  for (const auto& p : shape.params)
    LOOM_RETURN_IF_ERROR(check(p.dims, "parameter \"" + p.name + "\""));
  return Status::ok();
}
}  // namespace

std::string nodeLabel(const Node& node) {
  return "node \"" + node.name + "\" (" + node.op + ")";
}

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
      std::string expected = schema.maxInputs == schema.minInputs ? std::to_string(schema.minInputs)
                             : schema.maxInputs < 0 ? "at least " + std::to_string(schema.minInputs)
                                                    : std::to_string(schema.minInputs) + " to " +
                                                          std::to_string(schema.maxInputs);
      na.status = Status(ErrorCode::InvalidGraph,
                         label + ": takes " + expected + " input(s), got " + std::to_string(n));
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
    if (Status sizes = checkTensorSizes(na.shape, batch, label); !sizes) {
      na.status = sizes;
      continue;
    }
    na.cost = na.op->cost(na.inputDims, na.shape, na.attrs);
    addSaturating(result.total.params, na.cost.params);
    addSaturating(result.total.flops, na.cost.flops);
    addSaturating(result.total.activationBytes, na.cost.activationBytes);
    for (const auto& p : na.shape.params)
      addSaturating(result.parameterBytes, numElements(p.dims) * 4);
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
