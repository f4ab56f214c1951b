// Acceptance 2 of issue 9 in small (the full run is benchmarks/explain_sanity.cpp, figures in
// docs/explain.md): a 2-conv CNN trained here for one short epoch on real Fashion-MNIST;
//  * the deletion AUC of Integrated Gradients and of the vanilla gradient is lower (better)
//    than that of a random map on 60 test images. Grad-CAM's is computed and printed but not
//    asserted: with black deletion on Fashion-MNIST it is about a random map's (full run on the
//    trained cnn.loom, 1,000 images: 0.489 against 0.493, better on 53 % of the images; in this
//    small model it was 0.475 against 0.463), because its coarse 14 x 14 map spends rank on
//    background pixels that are already black, so deleting them changes nothing;
//  * cascading randomisation from the top layer drives the gradient maps' Spearman rank
//    correlation with the trained model's towards 0;
//  * the curves and Spearman's rho against hand-computed values.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "engine/backends/backend.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/registry.h"
#include "engine/train/trainer.h"
#include "explain_fixture.h"

using namespace loom;

namespace {

constexpr const char* kTrainable = R"(
format_version: 2
name: "explain_cnn2"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "conv1" op: "Conv2D" input: "image" attr { name: "filters" i: 8 }
         attr { name: "kernel_size" i: 5 } attr { name: "padding" s: "same" } }
  node { name: "relu1" op: "ReLU" input: "conv1" }
  node { name: "pool1" op: "MaxPool2D" input: "relu1" attr { name: "pool_size" i: 2 } }
  node { name: "conv2" op: "Conv2D" input: "pool1" attr { name: "filters" i: 16 }
         attr { name: "kernel_size" i: 5 } attr { name: "padding" s: "same" } }
  node { name: "relu2" op: "ReLU" input: "conv2" }
  node { name: "pool2" op: "MaxPool2D" input: "relu2" attr { name: "pool_size" i: 2 } }
  node { name: "flatten" op: "Flatten" input: "pool2" }
  node { name: "fc1" op: "Dense" input: "flatten" attr { name: "units" i: 64 } }
  node { name: "relu3" op: "ReLU" input: "fc1" }
  node { name: "logits" op: "Dense" input: "relu3" attr { name: "units" i: 10 } }
}
training { epochs: 1 batch_size: 64 optimizer { type: "adam" learning_rate: 0.002 } seed: 3 }
dataset { train_limit: 6400 test_limit: 500 }
)";

TEST(ExplainFaithfulness, AucAndSpearmanKnownAnswers) {
  EXPECT_DOUBLE_EQ(areaUnderCurve({1.0, 0.0}), 0.5);
  EXPECT_DOUBLE_EQ(areaUnderCurve({1.0, 1.0, 0.0}), 0.75);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0, 1e-12);
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0, 1e-12);
  // scipy.stats.spearmanr([1, 2, 2, 5], [3, 1, 4, 1]).correlation = -0.5000000000000001 (scipy
  // 1.10 at /usr/bin/python3; ties take their mean rank)
  EXPECT_NEAR(spearman({1, 2, 2, 5}, {3, 1, 4, 1}), -0.5000000000000001, 1e-12);
}

TEST(ExplainFaithfulness, TrainedCnnBeatsRandomAndFailsWhenRandomised) {
  auto parsed = parseModel(kTrainable, "explain_cnn2");
  ASSERT_TRUE(parsed) << parsed.status().message();
  Model model = std::move(*parsed);
  applyDefaults(model);
  TrainOptions to;
  to.runDir = (std::filesystem::temp_directory_path() / "loom_explain_faithfulness").string();
  std::filesystem::remove_all(to.runDir);
  to.evaluateTest = true;
  auto trained = train(model, to);
  ASSERT_TRUE(trained) << trained.status().message();
  std::filesystem::remove_all(to.runDir);
  EXPECT_GT(trained->test.accuracy, 0.65) << "the CNN did not learn";

  GraphAnalysis a = analyzeGraph(model.graph, OpRegistry::global(), 1);
  auto params = ParameterSet::create(model.graph, a, model.parameters, 0);
  ASSERT_TRUE(params) << params.status().message();
  auto cpu = makeCpuBackend();
  ProbeOptions po;
  po.backends = {cpu.get()};
  po.keepNodes = {"conv2"};
  auto probe = ModelProbe::create(model.graph, *params, po);
  ASSERT_TRUE(probe) << probe.status().message();

  const std::int64_t n = 60;
  Tensor x = test::fashionImages(0, n, nullptr, false);
  auto out = probe->outputs(x);
  ASSERT_TRUE(out);
  const std::vector<std::int64_t> predicted = ModelProbe::argmax(*out);
  ExplainRequest req;
  req.probe = &*probe;
  req.images = &x;
  req.targets = predicted;
  req.baseline.black = {-0.2860f / 0.3530f};
  req.convNode = "conv2";
  CurveOptions co;
  co.baseline = req.baseline;
  std::map<std::string, double> auc;
  for (const char* m : {"ig", "gradient", "gradcam", "random"}) {
    ExplainRequest r = req;
    if (std::string(m) == "ig") r.options = {{"steps", "16"}};
    auto e = ExplainerRegistry::global().run(m, r);
    ASSERT_TRUE(e) << m << ": " << e.status().message();
    auto curves = deletionInsertion(*probe, x, *e, co);
    ASSERT_TRUE(curves) << curves.status().message();
    double sum = 0;
    for (double v : curves->deletionAuc) sum += v;
    auc[m] = sum / n;
    EXPECT_NEAR(curves->deletion[0].front(), curves->insertion[0].back(), 1e-6)
        << "deletion starts and insertion ends at f(x)";
  }
  std::printf("deletion AUC on %lld images: ig %.4f, gradient %.4f, gradcam %.4f, random %.4f\n",
              static_cast<long long>(n), auc["ig"], auc["gradient"], auc["gradcam"], auc["random"]);
  EXPECT_LT(auc["ig"], auc["random"]);
  EXPECT_LT(auc["gradient"], auc["random"]);

  // Randomisation on 20 images.
  const std::int64_t m = 20;
  Tensor xs(Dims{m, 1, 28, 28});
  std::memcpy(xs.f32(), x.f32(), xs.bytes());
  std::vector<std::int64_t> targets(predicted.begin(), predicted.begin() + m);
  std::vector<RandomisationMethod> methods;
  for (const char* name : {"gradient", "gradient_x_input"})
    methods.push_back({name, [&, name](ModelProbe& p) {
                         ExplainRequest r = req;
                         r.probe = &p;
                         r.images = &xs;
                         r.targets = targets;
                         return ExplainerRegistry::global().run(name, r);
                       }});
  auto rows = cascadingRandomisation(model.graph, *params, *probe, methods, 99);
  ASSERT_TRUE(rows) << rows.status().message();
  ASSERT_EQ(rows->size(), 5u);  // trained, logits, fc1, conv2, conv1
  for (const auto& row : *rows)
    std::printf("  %-10s gradient %+.3f  gradient_x_input %+.3f\n", row.layer.c_str(),
                row.spearman.at("gradient"), row.spearman.at("gradient_x_input"));
  EXPECT_EQ((*rows)[1].layer, "logits");
  EXPECT_LT(std::fabs(rows->back().spearman.at("gradient")), 0.3);
  EXPECT_LT(rows->back().spearman.at("gradient"), (*rows)[1].spearman.at("gradient"));
  // The parameters are restored.
  auto again = probe->outputs(x);
  ASSERT_TRUE(again);
  EXPECT_EQ(maxRelativeDifference(*again, *out), 0.0);
}

}  // namespace
