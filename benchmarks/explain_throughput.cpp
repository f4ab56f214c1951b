// loom_bench_explain: throughput of Loom's explanation methods on Fashion-MNIST test images.
//
//   loom_bench_explain MODEL.loom [--images 256] [--threads N] [--chunk 64]
//                      [--ig-steps 50] [--smoothgrad-samples 50]
//                      [--shap-images 8] [--shap-coalitions 2000] [--shap-grid 5x10]
//
// Integrated Gradients (Riemann midpoints, black baseline) and SmoothGrad (noise 0.15) on the
// first --images test images, normalised with the model's mean/std; the probe's chunk (plan
// batch) is --chunk. Each method runs once untimed (warm-up: plans compiled, memory touched),
// then once timed. KernelSHAP: --shap-coalitions coalitions over a --shap-grid grid of
// superpixels (5x10 = exactly 50 on 28x28), seconds per image over --shap-images images.
// Weights are the model's (or seeded ones): speed does not depend on their values.
//
// Prints one JSON object: {"threads", "chunk", "images", "ig_images_per_second",
// "smoothgrad_images_per_second", "shap_seconds_per_image", "shap_features", ...}.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/backends/backend.h"
#include "engine/core/threads.h"
#include "engine/data/dataset_registry.h"
#include "engine/exec/parameters.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/perturbation_methods.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

using namespace loom;
using Clock = std::chrono::steady_clock;

namespace {

int fail(const std::string& what) {
  std::fprintf(stderr, "loom_bench_explain: %s\n", what.c_str());
  return 1;
}

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail("usage: loom_bench_explain MODEL.loom [options]");
  std::string modelPath = argv[1];
  std::int64_t images = 256, chunk = 64, igSteps = 50, sgSamples = 50, shapImages = 8,
               coalitions = 2000, gridRows = 5, gridCols = 10;
  int threads = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--images")
      images = std::stoll(v);
    else if (k == "--threads")
      threads = std::stoi(v);
    else if (k == "--chunk")
      chunk = std::stoll(v);
    else if (k == "--ig-steps")
      igSteps = std::stoll(v);
    else if (k == "--smoothgrad-samples")
      sgSamples = std::stoll(v);
    else if (k == "--shap-images")
      shapImages = std::stoll(v);
    else if (k == "--shap-coalitions")
      coalitions = std::stoll(v);
    else if (k == "--shap-grid") {
      const auto x = v.find('x');
      gridRows = std::stoll(v.substr(0, x));
      gridCols = std::stoll(v.substr(x + 1));
    } else {
      return fail("unknown option " + k);
    }
  }
  auto loaded = loadModel(modelPath);
  if (!loaded) return fail(loaded.status().message());
  Model model = std::move(*loaded);
  applyDefaults(model);
  setComputeThreads(threads);
  const GraphAnalysis a = analyzeGraph(model.graph, OpRegistry::global(), 1);
  if (!a.status) return fail(a.status.message());
  auto params = ParameterSet::create(model.graph, a, model.parameters, model.training.seed());
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
  po.maxBatch = chunk;
  po.memoryBudgetBytes = std::int64_t{4} << 30;
  auto probe = ModelProbe::create(model.graph, *params, po);
  if (!probe) return fail(probe.status().message());
  auto predicted = probe->outputs(x);
  if (!predicted) return fail(predicted.status().message());
  const std::vector<std::int64_t> targets = ModelProbe::argmax(*predicted);

  IntegratedGradientsOptions ig;
  ig.steps = igSteps;
  ig.quadrature = Quadrature::Riemann;
  ig.baseline.black = {static_cast<float>(-mean / sd)};
  SmoothGradOptions sg;
  sg.samples = sgSamples;
  auto timeIt = [&](auto&& run) -> double {
    auto warm = run();
    if (!warm) return -1;
    const auto t0 = Clock::now();
    auto e = run();
    return e ? seconds(t0) : -1;
  };
  const double igSeconds =
      timeIt([&] { return integratedGradients(*probe, x, targets, ScoreKind::Logit, ig); });
  const double sgSeconds =
      timeIt([&] { return smoothGrad(*probe, x, targets, ScoreKind::Logit, sg); });
  if (igSeconds < 0 || sgSeconds < 0) return fail("a method failed");

  const Segmentation grid = gridSegmentation(dims[2], dims[3], gridRows, gridCols);
  Tensor xs(Dims{shapImages, dims[1], dims[2], dims[3]});
  std::memcpy(xs.f32(), x.f32(), xs.bytes());
  std::vector<std::int64_t> shapTargets(targets.begin(), targets.begin() + shapImages);
  KernelShapOptions ks;
  ks.coalitions = coalitions;
  ks.baseline = ig.baseline;
  const std::vector<Segmentation> segs(static_cast<size_t>(shapImages), grid);
  const double shapSeconds =
      timeIt([&] { return kernelShap(*probe, xs, shapTargets, ScoreKind::Logit, segs, ks); });
  if (shapSeconds < 0) return fail("KernelSHAP failed");

  nlohmann::json out = {{"threads", computeThreads()},
                        {"chunk", probe->chunkSize()},
                        {"images", images},
                        {"ig_steps", igSteps},
                        {"smoothgrad_samples", sgSamples},
                        {"ig_images_per_second", static_cast<double>(images) / igSeconds},
                        {"smoothgrad_images_per_second", static_cast<double>(images) / sgSeconds},
                        {"shap_features", grid.count},
                        {"shap_coalitions", coalitions},
                        {"shap_seconds_per_image", shapSeconds / static_cast<double>(shapImages)}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
