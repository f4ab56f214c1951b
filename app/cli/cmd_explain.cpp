// `loom explain`: attribution maps of a model for test samples or image files
// (engine/explain/job.h does the work; docs/explain.md and docs/cli.md describe it).
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/progress_bar.h"
#include "engine/backends/backend.h"
#include "engine/core/memory_budget.h"
#include "engine/core/threads.h"
#include "engine/data/dataset_registry.h"
#include "engine/data/transforms.h"
#include "engine/exec/parameters.h"
#include "engine/explain/job.h"
#include "engine/explain/registry.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/train/settings.h"
#include "engine/train/trainer.h"

namespace loom::cli {

namespace {

std::atomic<bool> g_explainCancel{false};
extern "C" void onExplainSigint(int) {
  if (g_explainCancel.exchange(true)) std::_Exit(kExitCancelled);  // second Ctrl+C: leave now
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

/// "--option ig.steps=100" -> options["ig"]["steps"] = "100".
Status parseMethodOptions(const std::vector<std::string>& given,
                          std::map<std::string, std::map<std::string, std::string>>& out) {
  for (const auto& g : given) {
    const auto dot = g.find('.'), eq = g.find('=');
    if (dot == std::string::npos || eq == std::string::npos || eq < dot)
      return invalidArgument("--option \"" + g + "\" is not METHOD.NAME=VALUE (e.g. ig.steps=100)");
    out[g.substr(0, dot)][g.substr(dot + 1, eq - dot - 1)] = g.substr(eq + 1);
  }
  return Status::ok();
}

Expected<std::optional<std::int64_t>> parseTarget(const std::string& text) {
  if (text == "predicted") return std::optional<std::int64_t>{};
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    return invalidArgument("--target \"" + text + "\" is not a class index or \"predicted\"");
  return std::optional<std::int64_t>{v};
}

/// The first `n` test samples from `first` on, normalised like the model's data.
Expected<std::vector<ExplainInput>> testSamples(const Model& model, std::int64_t first,
                                                std::int64_t n, const Normalization& norm,
                                                std::vector<std::string>& classNames) {
  auto data = loadDataset(model.dataset, Split::Test);
  if (!data) return data.status();
  if (data->images.dtype() != DType::U8 || data->images.rank() != 4)
    return invalidArgument("loom explain --samples needs an image data set; " + data->source +
                           " holds " + dimsToString(data->images.dims()));
  if (n < 1 || first < 0 || first + n > data->size())
    return invalidArgument("--samples " + std::to_string(n) + " from --first " +
                           std::to_string(first) + ": the test set " + data->source + " has " +
                           std::to_string(data->size()) + " samples");
  classNames = data->classNames;
  std::vector<ExplainInput> out;
  for (std::int64_t i = first; i < first + n; ++i)
    out.push_back(explainInputFromImages(data->images, data->labels, i, norm.mean, norm.std));
  return out;
}

void drawProgress(ProgressBar& bar, const ExplainProgress& p) {
  bar.update("explain", p.done, p.total, p.current, p.etaSeconds);
}

}  // namespace

int runExplain(const ExplainArgs& args) {
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  applyDefaults(model);
  setComputeThreads(args.threads > 0 ? args.threads : model.training.threads());
  if (Status st = useTrainedParameters(model, args.checkpoint, args.model,
                                       "explaining freshly initialised weights");
      !st)
    return reportError(st);
  if (args.samples && !args.images.empty())
    return reportError(invalidArgument("give --samples or --images, not both"));

  ExplainJobOptions o;
  o.methods = splitList(args.methods);
  if (Status st = parseMethodOptions(args.options, o.methodOptions); !st) return reportError(st);
  auto target = parseTarget(args.target);
  if (!target) return reportError(target.status());
  o.targetClass = *target;
  auto kind = parseScoreKind(args.score);
  if (!kind) return reportError(kind.status());
  o.kind = *kind;
  auto baseline = parseBaseline(args.baseline);
  if (!baseline) return reportError(baseline.status());
  auto slic = parseSlicAlgorithm(args.superpixels);
  if (!slic) return reportError(slic.status());
  o.superpixels.algorithm = *slic;
  o.superpixels.regionSize = args.regionSize;
  o.convNode = args.node;
  o.faithfulness = !args.noFaithfulness;
  o.outputDir = args.output;
  o.seed = args.seed;
  o.memoryBudgetBytes = std::min<std::int64_t>(memoryBudgetBytes(), std::int64_t{1} << 30);

  const Normalization norm = Normalization::uniform(model.dataset.mean(), model.dataset.std());
  o.baseline.kind = *baseline;
  o.baseline.black.clear();
  o.baseline.white.clear();
  for (size_t c = 0; c < norm.mean.size(); ++c) {
    o.baseline.black.push_back(static_cast<float>(-norm.mean[c] / norm.std[c]));
    o.baseline.white.push_back(static_cast<float>((1 - norm.mean[c]) / norm.std[c]));
  }
  o.baseline.seed = args.seed;
  o.curves.baseline = o.baseline;
  o.curves.baseline.kind = BaselineKind::Black;

  const GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), 1);
  if (!analysis.status) return reportError(analysis.status.withContext(args.model));
  auto params =
      ParameterSet::create(model.graph, analysis, model.parameters, model.training.seed());
  if (!params) return reportError(params.status());

  std::vector<ExplainInput> inputs;
  Dims sample;
  for (const auto& na : analysis.nodes)
    if (na.op && na.op->schema().name == "Input")
      sample.assign(na.shape.output.begin() + 1, na.shape.output.end());
  if (!args.images.empty()) {
    for (const auto& path : args.images) {
      auto in = readExplainImage(path, sample, norm.mean, norm.std);
      if (!in) return reportError(in.status());
      inputs.push_back(std::move(*in));
    }
  } else {
    auto s = testSamples(model, args.first, args.samples.value_or(8), norm, o.classNames);
    if (!s) return reportError(s.status());
    inputs = std::move(*s);
  }
  if (o.baseline.kind == BaselineKind::DatasetMean) {  // mean of the images explained
    o.baseline.datasetMean = Tensor(sample);
    o.baseline.datasetMean.zero();
    for (const auto& in : inputs)
      for (std::int64_t k = 0; k < in.x.numel(); ++k)
        o.baseline.datasetMean.f32()[k] += in.x.f32()[k] / static_cast<float>(inputs.size());
  }

  auto backends = defaultBackends();
  for (const auto& b : backends) o.backends.push_back(b.get());
  ProgressBar bar(stderr);
  o.onProgress = [&](const ExplainProgress& p) { drawProgress(bar, p); };
  o.cancel = &g_explainCancel;
  std::signal(SIGINT, onExplainSigint);
  std::signal(SIGTERM, onExplainSigint);

  auto result = runExplainJob(model.graph, *params, inputs, o);
  bar.finishLine();
  if (!result) return reportError(result.status());
  std::printf("explained %lld of %zu images with %s\n", static_cast<long long>(result->imagesDone),
              inputs.size(), args.methods.c_str());
  if (!result->gridPath.empty()) std::printf("grid: %s\n", result->gridPath.c_str());
  std::printf("scores: %s, %s\n", result->csvPath.c_str(), result->jsonPath.c_str());
  if (result->cancelled) {
    std::fprintf(stderr, "loom: stopped by Ctrl+C; the %lld finished images are in %s\n",
                 static_cast<long long>(result->imagesDone), args.output.c_str());
    return kExitCancelled;
  }
  return kExitOk;
}

}  // namespace loom::cli
