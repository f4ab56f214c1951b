// Shared by the engine/explain tests: a small CNN (Conv2D, BatchNorm, ReLU, pooling, Dropout,
// Dense) with seeded random weights and perturbed BatchNorm statistics, and real
// Fashion-MNIST test images normalised as the trainer does. Header-only; every function
// reports a missing dataset as a test failure (gtest ASSERT in the caller via the Status).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/rng.h"
#include "engine/data/dataset.h"
#include "engine/data/transforms.h"
#include "engine/exec/parameters.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

namespace loom::test {

/// Two convolutions, so Grad-CAM has a first and a last one; Dropout checks that
/// explanations run in inference mode.
inline constexpr const char* kSmallCnn = R"(
format_version: 2
name: "explain_cnn"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "c1" op: "Conv2D" input: "image" attr { name: "filters" i: 6 }
         attr { name: "kernel_size" i: 3 } attr { name: "padding" s: "same" } }
  node { name: "b1" op: "BatchNorm" input: "c1" }
  node { name: "r1" op: "ReLU" input: "b1" }
  node { name: "p1" op: "MaxPool2D" input: "r1" attr { name: "pool_size" i: 2 } }
  node { name: "c2" op: "Conv2D" input: "p1" attr { name: "filters" i: 8 }
         attr { name: "kernel_size" i: 3 } attr { name: "padding" s: "same" } }
  node { name: "r2" op: "ReLU" input: "c2" }
  node { name: "p2" op: "AvgPool2D" input: "r2" attr { name: "pool_size" i: 2 } }
  node { name: "fl" op: "Flatten" input: "p2" }
  node { name: "dp" op: "Dropout" input: "fl" attr { name: "rate" f: 0.3 } }
  node { name: "logits" op: "Dense" input: "dp" attr { name: "units" i: 10 } }
}
)";

inline Model parseOrFail(const char* text) {
  auto m = parseModel(text, "explain_test");
  EXPECT_TRUE(m) << m.status().message();
  return m ? std::move(*m) : Model{};
}

/// Parameters from `seed`; BatchNorm running statistics moved off (0, 1) so inference-mode
/// BatchNorm is really exercised.
inline std::unique_ptr<ParameterSet> seededParams(const Model& model, std::uint64_t seed) {
  GraphAnalysis a = analyzeGraph(model.graph, OpRegistry::global(), 1);
  EXPECT_TRUE(a.status.isOk()) << a.status.message();
  auto p = ParameterSet::create(model.graph, a, model.parameters, seed);
  EXPECT_TRUE(p) << p.status().message();
  if (!p) return nullptr;
  Philox rng(seed ^ 0xB17Eull);
  for (Parameter& q : p->all()) {
    if (q.trainable) continue;
    const bool var = q.name.find("var") != std::string::npos;
    for (std::int64_t i = 0; i < q.value.numel(); ++i)
      q.value.f32()[i] = var ? 0.5f + rng.uniform() : 0.2f * (rng.uniform() - 0.5f);
  }
  return std::make_unique<ParameterSet>(std::move(*p));
}

/// Fashion-MNIST test images first .. first + n - 1, normalised, [n, 1, 28, 28], with a
/// dither of +-1 grey level (breaks exact max-pool ties, as in model_step_test).
inline Tensor fashionImages(std::int64_t first, std::int64_t n,
                            std::vector<std::int64_t>* labels = nullptr, bool dither = true) {
  auto data = loadFashionMnist("/usr/share/datasets/fashion-mnist", Split::Test);
  EXPECT_TRUE(data) << "Fashion-MNIST is required (packaging/install-deps.sh installs "
                       "dataset-fashion-mnist): "
                    << data.status().message();
  Tensor x(Dims{n, 1, 28, 28});
  if (!data) return x;
  const Normalization norm = Normalization::fashionMnist();
  Philox rng(0x64697468ull);
  const std::uint8_t* src = data->images.data<std::uint8_t>() + first * 784;
  for (std::int64_t i = 0; i < n * 784; ++i) {
    float v =
        (src[i] / 255.0f - static_cast<float>(norm.mean[0])) / static_cast<float>(norm.std[0]);
    if (dither) v += (2 * rng.uniform() - 1) / 255.0f / static_cast<float>(norm.std[0]);
    x.f32()[i] = v;
  }
  if (labels)
    for (std::int64_t i = 0; i < n; ++i)
      labels->push_back(data->labels.data<std::int64_t>()[first + i]);
  return x;
}

/// Max |a - b| over `n` elements, and max |b| (the scale a tolerance is relative to).
inline std::pair<double, double> worstDifference(const float* a, const std::vector<double>& b) {
  double worst = 0, scale = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return {worst, scale};
}

}  // namespace loom::test
