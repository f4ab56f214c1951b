// `loom info MODEL`: per-node table of output shape, parameters and FLOPs, and totals, with
// the parameters training.freeze_until freezes (engine/train/freeze.h) counted apart.
#include <algorithm>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/backends/backend.h"
#include "engine/core/memory_budget.h"
#include "engine/exec/plan.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/train/freeze.h"

namespace loom::cli {

namespace {
std::string human(double v, const char* unit) {
  const char* prefixes[] = {"", "K", "M", "G", "T"};
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, i == 0 ? "%.0f %s%s" : "%.2f %s%s", v, prefixes[i], unit);
  return buf;
}

/// Trainable, frozen and buffer elements (BatchNorm's running statistics are buffers: never
/// trained, frozen or not).
struct ParameterSplit {
  std::int64_t trainable = 0, frozen = 0, buffers = 0;
};

ParameterSplit splitParameters(const Graph& graph, const GraphAnalysis& a,
                               const std::vector<std::string>& frozenNodes) {
  ParameterSplit split;
  for (int idx : a.order) {
    const bool frozen =
        std::find(frozenNodes.begin(), frozenNodes.end(),
                  graph.nodes()[static_cast<size_t>(idx)].name) != frozenNodes.end();
    for (const ParamInfo& p : a.nodes[static_cast<size_t>(idx)].shape.params) {
      std::int64_t n = 1;
      for (std::int64_t d : p.dims) n *= d;
      (!p.trainable ? split.buffers : frozen ? split.frozen : split.trainable) += n;
    }
  }
  return split;
}

}  // namespace

int reportError(const Status& status) {
  std::fprintf(stderr, "loom: error: %s\n", status.message().c_str());
  return exitCodeFor(status);
}

int runInfo(const InfoArgs& args) {
  auto model = loadModel(args.model);
  if (!model) return reportError(model.status());
  if (args.batchSize < 1) return reportError(invalidArgument("--batch-size must be at least 1"));
  GraphAnalysis a = analyzeGraph(model->graph, OpRegistry::global(), args.batchSize);
  auto frozen = resolveFrozenSet(model->graph, model->training.freeze_until());
  if (!frozen) return reportError(frozen.status().withContext(args.model));
  // With --kernels: the same backends a run on that device gets (backend.h), looked up before
  // anything is printed; a CUDA device that is not there is refused with the reason, as
  // `loom train --device` refuses it.
  std::vector<std::shared_ptr<Backend>> backends;
  if (args.kernels) {
    const std::string device = args.device.empty() ? model->training.device() : args.device;
    auto listed = defaultBackends(device);
    if (!listed) return reportError(listed.status());
    backends = std::move(*listed);
  }
  std::printf("%s — %s\n\n", model->name.c_str(), model->description.c_str());
  std::printf("%-20s %-14s %-22s %12s %14s\n", "node", "op", "output", "params", "FLOPs");
  std::printf("%s\n", std::string(86, '-').c_str());
  for (int idx : a.order) {
    const Node& n = model->graph.nodes()[static_cast<size_t>(idx)];
    const NodeAnalysis& na = a.nodes[static_cast<size_t>(idx)];
    if (!na.status.isOk()) {
      std::printf("%-20s %-14s %s\n", n.name.c_str(), n.op.c_str(),
                  ("error: " + na.status.message()).c_str());
      continue;
    }
    const bool isFrozen =
        std::find(frozen->nodes.begin(), frozen->nodes.end(), n.name) != frozen->nodes.end();
    std::printf("%-20s %-14s %-22s %12lld %14s%s\n", n.name.c_str(), n.op.c_str(),
                dimsToString(na.shape.output).c_str(), static_cast<long long>(na.cost.params),
                human(static_cast<double>(na.cost.flops), "FLOP").c_str(),
                isFrozen ? "  frozen" : "");
  }
  std::printf("%s\n", std::string(86, '-').c_str());
  // Totals of a graph that failed analysis would be those of the nodes before the error
  // (0 parameters, "0 FLOP"): misleading, so the table ends with the error instead.
  if (!a.status.isOk()) return reportError(a.status.withContext(args.model));
  std::printf(
      "total: %lld parameters (%s), %s forward per batch of %d (%s per sample),\n"
      "       activations %s per batch\n",
      static_cast<long long>(a.total.params),
      formatBytes(static_cast<double>(a.parameterBytes)).c_str(),
      human(static_cast<double>(a.total.flops), "FLOP").c_str(), args.batchSize,
      human(static_cast<double>(a.total.flops) / args.batchSize, "FLOP").c_str(),
      formatBytes(static_cast<double>(a.total.activationBytes)).c_str());
  const ParameterSplit split = splitParameters(model->graph, a, frozen->nodes);
  std::printf("       %lld trainable, %lld frozen", static_cast<long long>(split.trainable),
              static_cast<long long>(split.frozen));
  if (!frozen->until.empty())
    std::printf(" (training.freeze_until \"%s\": %zu nodes)", frozen->until.c_str(),
                frozen->nodes.size());
  if (split.buffers > 0)
    std::printf(", %lld in buffers (running statistics, never trained)",
                static_cast<long long>(split.buffers));
  std::printf("\n");

  if (args.kernels) {
    auto params = ParameterSet::create(model->graph, a, model->parameters, model->training.seed());
    if (!params) return reportError(params.status());
    PlanOptions options;
    options.batch = args.batchSize;
    options.training = true;
    options.analysis = std::make_shared<const GraphAnalysis>(std::move(a));
    for (const auto& b : backends) options.backends.push_back(b.get());
    auto plan = Plan::compile(model->graph, *params, options);
    if (!plan) return reportError(plan.status());
    std::printf("\nkernels (training plan; backends in priority order: %s, then reference):\n",
                backendNames(backends).c_str());
    for (const auto& k : plan->kernelInfo()) {
      std::printf("  %-20s %s\n", k.node.c_str(), k.impl.c_str());
      for (const auto& d : k.declined) std::printf("  %-20s   declined by %s\n", "", d.c_str());
    }
  }
  return kExitOk;
}

}  // namespace loom::cli
