#include "engine/embed/activations.h"

#include <algorithm>
#include <cstring>

#include "engine/backends/backend.h"
#include "engine/core/threads.h"
#include "engine/data/batch_loader.h"
#include "engine/data/dataset_registry.h"
#include "engine/exec/plan.h"
#include "engine/graph/analysis.h"
#include "engine/ops/op.h"
#include "engine/proto/loom.pb.h"
#include "engine/train/evaluation.h"
#include "engine/train/training_data.h"

namespace loom::embed {

namespace {

std::string nodeList(const Graph& graph) {
  std::string s;
  for (const auto& n : graph.nodes()) s += (s.empty() ? "" : ", ") + n.name;
  return s;
}

}  // namespace

Expected<std::string> defaultEmbeddingNode(const Model& model) {
  LOOM_ASSIGN_OR_RETURN(std::vector<int> order, model.graph.topologicalOrder());
  const auto& nodes = model.graph.nodes();
  std::vector<int> dense;
  for (int i : order)
    if (nodes[static_cast<std::size_t>(i)].op == "Dense") dense.push_back(i);
  if (dense.empty())
    return invalidArgument("model \"" + model.name +
                           "\" has no Dense node to take an embedding from; name one with --node");
  if (dense.size() == 1) {
    const Node& last = nodes[static_cast<std::size_t>(dense.back())];
    if (last.inputs.empty()) return invalidArgument("node \"" + last.name + "\" has no input");
    return last.inputs.front();
  }
  const Node& pen = nodes[static_cast<std::size_t>(dense[dense.size() - 2])];
  std::vector<const Node*> consumers;
  for (const auto& n : nodes)
    if (std::find(n.inputs.begin(), n.inputs.end(), pen.name) != n.inputs.end())
      consumers.push_back(&n);
  if (consumers.size() == 1) {
    const Op* op = OpRegistry::global().find(consumers.front()->op);
    if (op && op->schema().category == "Activation" && op->schema().name != "Softmax")
      return consumers.front()->name;
  }
  return pen.name;
}

Expected<Activations> extractActivations(const Model& modelIn, const ExtractOptions& options,
                                         const EmbedControl& control) {
  if (options.batchSize < 1)
    return invalidArgument("the extraction batch size must be at least 1, got " +
                           std::to_string(options.batchSize));
  Model model = modelIn;
  applyDefaults(model);
  ScopedComputeThreads threads(model.training.threads());
  Activations out;
  if (options.node.empty()) {
    LOOM_ASSIGN_OR_RETURN(out.node, defaultEmbeddingNode(model));
  } else {
    out.node = options.node;
  }
  if (!model.graph.find(out.node))
    return notFound("node \"" + out.node + "\" is not in model \"" + model.name +
                    "\"; its nodes are: " + nodeList(model.graph));
  auto analysis = std::make_shared<const GraphAnalysis>(
      analyzeGraph(model.graph, OpRegistry::global(), options.batchSize));
  LOOM_RETURN_IF_ERROR(analysis->status);
  LOOM_ASSIGN_OR_RETURN(
      ParameterSet params,
      ParameterSet::create(model.graph, *analysis, model.parameters, model.training.seed()));
  LOOM_ASSIGN_OR_RETURN(Dataset data, loadDataset(model.dataset, options.split));
  LOOM_ASSIGN_OR_RETURN(std::string input, findInput(model, *analysis, data));
  LOOM_ASSIGN_OR_RETURN(BatchLoaderOptions loaderOpts,
                        standaloneEvalOptions(model, options.batchSize));
  const std::vector<std::int64_t> indices = firstIndices(data.size(), options.limit);
  LOOM_ASSIGN_OR_RETURN(auto loader, BatchLoader::create(data, indices, loaderOpts));
  const auto n = static_cast<std::int64_t>(indices.size());
  const auto backends = defaultBackends();
  std::vector<Backend*> raw;
  for (const auto& b : backends) raw.push_back(b.get());

  std::map<std::int64_t, Plan> plans;
  Tensor captured;
  std::int64_t row = 0, dims = 0;
  LOOM_RETURN_IF_ERROR(loader->startEpoch(0, 0));
  const std::int64_t steps = loader->stepsPerEpoch();
  for (std::int64_t step = 0; step < steps; ++step) {
    if (control.cancelled()) return Status(ErrorCode::Cancelled, "extraction cancelled");
    auto batch = loader->next();
    if (!batch) return internalError("the data loader ended early");
    const std::int64_t b = batch->x.dim(0);
    auto it = plans.find(b);
    if (it == plans.end()) {
      PlanOptions po;
      po.batch = b;
      po.training = false;
      po.backends = raw;
      po.analysis =
          b == options.batchSize
              ? analysis
              : std::make_shared<const GraphAnalysis>(analysisForBatch(model.graph, *analysis, b));
      LOOM_ASSIGN_OR_RETURN(Plan plan, Plan::compile(model.graph, params, po));
      it = plans.emplace(b, std::move(plan)).first;
    }
    Tensor tapped;
    it->second.setTap([&](const std::string& node, const Tensor& value, bool isGradient) {
      if (!isGradient && node == out.node) tapped = value.toLayout(Layout::Plain).clone();
    });
    LOOM_RETURN_IF_ERROR(it->second.forward({{input, &batch->x}}, false, 0));
    if (tapped.empty()) return internalError("the tap on node \"" + out.node + "\" saw no output");
    const std::int64_t d = tapped.numel() / b;
    if (captured.empty()) {
      dims = d;
      captured = Tensor({n, dims});
    }
    std::memcpy(captured.f32() + row * dims, tapped.f32(),
                static_cast<std::size_t>(b * dims) * sizeof(float));
    row += b;
    control.report("extract", row, n);
  }
  if (row != n)
    return internalError("extracted " + std::to_string(row) + " of " + std::to_string(n) +
                         " samples");
  out.values = captured;
  out.classNames = data.classNames;
  out.labels.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    out.labels[static_cast<std::size_t>(i)] =
        data.labels.data<std::int64_t>()[indices[static_cast<std::size_t>(i)]];
  if (options.withImages && data.images.rank() == 4) {
    Tensor imgs({n, data.images.dim(1), data.images.dim(2), data.images.dim(3)},
                data.images.dtype());
    std::memcpy(imgs.raw(), data.images.raw(),
                static_cast<std::size_t>(n) *
                    (data.images.bytes() / static_cast<std::size_t>(data.images.dim(0))));
    out.images = imgs;
  }
  return out;
}

}  // namespace loom::embed
