// `loom embed`: activations of a node over a data set split, projected (PCA, t-SNE, UMAP),
// written in TensorBoard's projector layout; several checkpoints make a trajectory.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/progress_bar.h"
#include "engine/core/threads.h"
#include "engine/embed/activations.h"
#include "engine/embed/projector.h"
#include "engine/embed/trajectory.h"
#include "engine/graph/model.h"
#include "engine/train/settings.h"
#include "engine/train/trainer.h"

namespace loom::cli {

namespace {

std::atomic<bool> g_cancel{false};
extern "C" void onEmbedSigint(int) {
  if (g_cancel.exchange(true)) std::_Exit(kExitCancelled);
}

Expected<Split> parseSplit(const std::string& s) {
  if (s == "test") return Split::Test;
  if (s == "train") return Split::Train;
  return invalidArgument("--split must be test or train, got \"" + s + "\"");
}

embed::MetadataTable labelTable(const embed::Activations& a) {
  embed::MetadataTable m;
  m.columns = {"label", "class", "index"};
  for (std::size_t i = 0; i < a.labels.size(); ++i) {
    const auto label = a.labels[i];
    const std::string name = label >= 0 && static_cast<std::size_t>(label) < a.classNames.size()
                                 ? a.classNames[static_cast<std::size_t>(label)]
                                 : std::to_string(label);
    m.rows.push_back({name, std::to_string(label), std::to_string(i)});
  }
  return m;
}

std::string checkpointTag(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

}  // namespace

int runEmbed(const EmbedArgs& args) {
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  if (Status st = resolveSettings(model, args.settings, args.model); !st) return reportError(st);
  setComputeThreads(model.training.threads());
  auto split = parseSplit(args.split);
  if (!split) return reportError(split.status());
  auto method = embed::parseProjection(args.method);
  if (!method) return reportError(method.status());
  if (args.limit && *args.limit < 0)
    return reportError(invalidArgument("--limit must be >= 0, got " + std::to_string(*args.limit)));
  if (args.components != 2 && args.components != 3)
    return reportError(
        invalidArgument("--components must be 2 or 3, got " + std::to_string(args.components)));
  embed::TensorFileFormat format = embed::TensorFileFormat::Bytes;
  if (args.tensorFormat == "tsv")
    format = embed::TensorFileFormat::Tsv;
  else if (args.tensorFormat != "bytes")
    return reportError(
        invalidArgument("--tensor-format must be bytes or tsv, got \"" + args.tensorFormat + "\""));
  std::vector<std::string> checkpoints = args.checkpoints;
  if (checkpoints.empty()) {  // the file's own parameters: "" stands for them below
    if (Status st =
            useTrainedParameters(model, "", args.model, "embedding freshly initialised weights");
        !st)
      return reportError(st);
    checkpoints.emplace_back();
  }

  std::signal(SIGINT, onEmbedSigint);
  std::signal(SIGTERM, onEmbedSigint);
  ProgressBar bar(stderr);
  embed::EmbedControl control;
  control.cancel = &g_cancel;
  control.onProgress = [&](const embed::EmbedProgress& p) {
    bar.update(p.stage, p.done, p.total, p.value > 0 ? "KL " + std::to_string(p.value) : "");
  };

  embed::ExtractOptions eo;
  eo.node = args.node;
  eo.split = *split;
  eo.limit = args.limit.value_or(0);
  eo.withImages = !args.noSprite;
  std::vector<embed::Activations> acts;
  for (const std::string& ckpt : checkpoints) {
    Model m = model;
    if (!ckpt.empty()) {
      if (Status st = loadCheckpointParameters(m, ckpt); !st) return reportError(st);
    }
    auto a = embed::extractActivations(m, eo, control);
    bar.finishLine();
    if (!a) return reportError(a.status());
    acts.push_back(std::move(*a));
  }

  embed::ProjectionOptions po;
  po.method = *method;
  po.components = args.components;
  po.tsne.threads = po.umap.threads = po.pca.threads = model.training.threads();
  po.tsne.seed = po.umap.seed = po.pca.seed = args.seed;
  if (args.perplexity) po.tsne.perplexity = *args.perplexity;
  if (args.iterations) po.tsne.iterations = *args.iterations;
  if (args.learningRate) po.tsne.learningRate = *args.learningRate;
  if (args.neighbors) po.umap.nNeighbors = *args.neighbors;
  if (args.minDist) po.umap.minDist = *args.minDist;
  if (args.epochs) po.umap.epochs = *args.epochs;
  std::vector<Tensor> values;
  for (const auto& a : acts) values.push_back(a.values);
  auto layouts = embed::trajectory(values, po, control);
  bar.finishLine();
  if (!layouts) return reportError(layouts.status());

  embed::ProjectorContents contents;
  contents.format = format;
  contents.metadata = labelTable(acts.front());
  contents.images = acts.front().images;
  const bool many = checkpoints.size() > 1;
  std::set<std::string> stems;
  for (const auto& c : checkpoints) stems.insert(checkpointTag(c));
  const bool byStem = stems.size() == checkpoints.size();  // else number them
  for (std::size_t c = 0; c < acts.size(); ++c) {
    const std::string tag =
        !many ? "" : "@" + (byStem ? checkpointTag(checkpoints[c]) : std::to_string(c + 1));
    contents.tensors.push_back({acts[c].node + tag, acts[c].values});
    contents.tensors.push_back(
        {acts[c].node + "/" + embed::projectionName(*method) + tag, (*layouts)[c]});
  }
  if (Status st = embed::writeProjector(args.output, contents); !st) return reportError(st);
  std::printf("embedded %lld points of node \"%s\" (%lld dims) with %s into %s (%zu entries)\n",
              static_cast<long long>(acts.front().values.dim(0)), acts.front().node.c_str(),
              static_cast<long long>(acts.front().values.dim(1)), embed::projectionName(*method),
              args.output.c_str(), contents.tensors.size());
  return kExitOk;
}

}  // namespace loom::cli
