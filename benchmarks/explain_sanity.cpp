// loom_explain_sanity: issue 9's acceptance 2 on a trained model (docs/explain.md has the
// figures). Not a test: it takes minutes.
//
//   loom_explain_sanity TRAINED.loom [--images 1000] [--random-images 50] [--ig-steps 32]
//                       [--threads N] [--methods ig,gradcam,random,...]
//
// 1. Deletion and insertion AUC (probability of the predicted class, 20 steps, deleted pixels
//    set to black) of each method on the first --images test images; mean and the share of
//    images on which the method beats the random map.
// 2. Cascading randomisation (top layer first) on the first --random-images images: mean
//    Spearman correlation of |map| with the trained model's, per layer, for gradient,
//    gradient x input, Integrated Gradients and Grad-CAM.
// Prints Markdown tables.
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>

#include "engine/backends/backend.h"
#include "engine/core/threads.h"
#include "engine/data/dataset_registry.h"
#include "engine/exec/parameters.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/registry.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

using namespace loom;

namespace {
int fail(const std::string& what) {
  std::fprintf(stderr, "loom_explain_sanity: %s\n", what.c_str());
  return 1;
}
std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail("usage: loom_explain_sanity TRAINED.loom [options]");
  std::int64_t images = 1000, randomImages = 50;
  std::string igSteps = "32";
  std::vector<std::string> methods = {"ig",         "gradcam", "gradient", "gradient_x_input",
                                      "smoothgrad", "random"};
  int threads = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--images")
      images = std::stoll(v);
    else if (k == "--random-images")
      randomImages = std::stoll(v);
    else if (k == "--ig-steps")
      igSteps = v;
    else if (k == "--threads")
      threads = std::stoi(v);
    else if (k == "--methods")
      methods = split(v);
    else
      return fail("unknown option " + k);
  }
  auto loaded = loadModel(argv[1]);
  if (!loaded) return fail(loaded.status().message());
  Model model = std::move(*loaded);
  applyDefaults(model);
  if (model.parameters.empty()) return fail(std::string(argv[1]) + " has no trained parameters");
  setComputeThreads(threads);
  const GraphAnalysis a = analyzeGraph(model.graph, OpRegistry::global(), 1);
  if (!a.status) return fail(a.status.message());
  auto params = ParameterSet::create(model.graph, a, model.parameters, 0);
  if (!params) return fail(params.status().message());
  auto data = loadDataset(model.dataset, Split::Test);
  if (!data) return fail(data.status().message());
  const std::int64_t per = data->sampleElements();
  Dims dims = data->images.dims();
  dims[0] = images;
  Tensor x(dims);
  const double mean = model.dataset.mean(), sd = model.dataset.std();
  for (std::int64_t i = 0; i < images * per; ++i)
    x.f32()[i] = static_cast<float>((data->images.data<std::uint8_t>()[i] / 255.0 - mean) / sd);

  auto cpu = makeCpuBackend();
  ProbeOptions po;
  po.backends = {cpu.get()};
  po.memoryBudgetBytes = std::int64_t{2} << 30;
  {
    auto plain = ModelProbe::create(model.graph, *params, po);
    if (!plain) return fail(plain.status().message());
    auto conv = lastConvNode(*plain);
    if (!conv) return fail(conv.status().message());
    po.keepNodes = {*conv};
  }
  auto probe = ModelProbe::create(model.graph, *params, po);
  if (!probe) return fail(probe.status().message());
  auto out = probe->outputs(x);
  if (!out) return fail(out.status().message());
  const std::vector<std::int64_t> predicted = ModelProbe::argmax(*out);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < images; ++i)
    correct += predicted[static_cast<size_t>(i)] == data->labels.data<std::int64_t>()[i];

  ExplainRequest req;
  req.probe = &*probe;
  req.targets = predicted;
  req.kind = ScoreKind::Logit;
  req.baseline.black = {static_cast<float>(-mean / sd)};
  req.baseline.white = {static_cast<float>((1 - mean) / sd)};
  req.convNode = po.keepNodes[0];
  auto optionsFor = [&](const std::string& m) -> std::map<std::string, std::string> {
    if (m == "ig") return {{"steps", igSteps}};
    return {};
  };
  CurveOptions co;
  co.baseline = req.baseline;
  std::printf("model %s: %lld test images, accuracy %.2f %%, Grad-CAM node %s\n\n", argv[1],
              static_cast<long long>(images),
              100.0 * static_cast<double>(correct) / static_cast<double>(images),
              req.convNode.c_str());
  std::map<std::string, std::vector<double>> del, ins;
  for (const auto& m : methods) {
    ExplainRequest r = req;
    r.images = &x;
    r.options = optionsFor(m);
    auto e = ExplainerRegistry::global().run(m, r);
    if (!e) return fail(m + ": " + e.status().message());
    auto c = deletionInsertion(*probe, x, *e, co);
    if (!c) return fail(c.status().message());
    del[m] = c->deletionAuc;
    ins[m] = c->insertionAuc;
    std::fprintf(stderr, "  %s done\n", m.c_str());
  }
  std::printf(
      "| method | deletion AUC (lower is better) | images better than random | insertion AUC "
      "(higher is better) |\n|---|---|---|---|\n");
  for (const auto& m : methods) {
    double d = 0, in = 0;
    std::int64_t better = 0;
    for (std::int64_t i = 0; i < images; ++i) {
      d += del[m][static_cast<size_t>(i)];
      in += ins[m][static_cast<size_t>(i)];
      if (del.count("random"))
        better += del[m][static_cast<size_t>(i)] < del["random"][static_cast<size_t>(i)];
    }
    std::printf("| %s | %.4f | %.1f %% | %.4f |\n", m.c_str(), d / static_cast<double>(images),
                100.0 * static_cast<double>(better) / static_cast<double>(images),
                in / static_cast<double>(images));
  }

  Tensor xs(Dims{randomImages, dims[1], dims[2], dims[3]});
  std::memcpy(xs.f32(), x.f32(), xs.bytes());
  std::vector<std::int64_t> targets(predicted.begin(), predicted.begin() + randomImages);
  std::vector<RandomisationMethod> rm;
  const std::vector<std::string> randomised = {"gradient", "gradient_x_input", "ig", "gradcam"};
  for (const auto& m : randomised)
    rm.push_back({m, [&, m](ModelProbe& p) {
                    ExplainRequest r = req;
                    r.probe = &p;
                    r.images = &xs;
                    r.targets = targets;
                    r.options = optionsFor(m);
                    return ExplainerRegistry::global().run(m, r);
                  }});
  auto rows = cascadingRandomisation(model.graph, *params, *probe, rm, 12345);
  if (!rows) return fail(rows.status().message());
  std::printf(
      "\nCascading randomisation, %lld images: mean Spearman rank correlation of |map| with the "
      "trained model's\n\n| layers randomised (top down) |",
      static_cast<long long>(randomImages));
  for (const auto& m : randomised) std::printf(" %s |", m.c_str());
  std::printf("\n|---|");
  for (size_t k = 0; k < randomised.size(); ++k) std::printf("---|");
  std::printf("\n");
  std::string soFar;
  for (const auto& row : *rows) {
    soFar = row.layer == "(trained)" ? row.layer
                                     : (soFar == "(trained)" ? "" : soFar + ", ") + row.layer;
    std::printf("| %s |", soFar.c_str());
    for (const auto& m : randomised) std::printf(" %+.3f |", row.spearman.at(m));
    std::printf("\n");
  }
  return 0;
}
