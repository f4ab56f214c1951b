// summarizeTensor (engine/train/node_stats.h), the graph editor's node badges, against NumPy
// (tests/python/node_stats_reference.py at /usr/bin/python3): the activations and gradients a
// real training step on Fashion-MNIST hands its tap (ReLUs with dead units among them), and
// made-up tensors with NaN, ±Inf, a large mean over a small spread, and all-non-finite. A
// missing NumPy fails the test.
#include "engine/train/node_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/core/npy.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/support/run_command.h"
#include "tests/support/tiny_models.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kModel = test::tinyModel(
    "stats", test::kTinyConvGraph,
    R"(training { epochs: 1 batch_size: 32 seed: 11 threads: 1 optimizer { type: "sgd" learning_rate: 0.05 } }
dataset { train_limit: 256 test_limit: 32 }
)");

Tensor copyOf(const Tensor& t) {
  Tensor out(t.dims(), DType::F32);
  std::memcpy(out.raw(), t.raw(), t.bytes());
  return out;
}

Tensor fromValues(const std::vector<float>& v) {
  Tensor t({static_cast<std::int64_t>(v.size())}, DType::F32);
  std::memcpy(t.raw(), v.data(), v.size() * sizeof(float));
  return t;
}

TEST(NodeStats, TappedTensorsOfARealStepMatchNumPy) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_node_stats_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto model = parseModel(kModel, "stats.loom");
  ASSERT_TRUE(model.hasValue()) << model.status().message();
  TrainOptions o;
  o.runDir = (dir / "run").string();
  auto trainer = Trainer::create(*model, o);
  ASSERT_TRUE(trainer.hasValue()) << trainer.status().message();
  // Step 3 is tapped (after two steps some ReLU units are dead for the whole batch).
  std::map<std::string, NodeStats> stats;
  std::map<std::string, Tensor> tensors;
  for (int step = 0; step < 3; ++step) {
    if (step == 2) {
      (*trainer)->setTap([&](const std::string& node, const Tensor& value, bool isGradient) {
        summarizeTensor(value, isGradient, stats[node]);
        if (value.dtype() == DType::F32)
          tensors[node + (isGradient ? "__grad" : "__act")] = copyOf(value);
      });
    }
    ASSERT_TRUE((*trainer)->step().isOk());
  }
  (*trainer)->setTap({});
  ASSERT_TRUE(stats.count("relu"));
  ASSERT_TRUE(stats.at("relu").hasGradient);

  // Made-up tensors: non-finite values, a large mean over a small spread, nothing finite.
  std::vector<float> wide;
  for (int i = 0; i < 1000; ++i) wide.push_back(1e4f + 1e-3f * static_cast<float>(i % 7));
  const std::map<std::string, std::vector<float>> made = {
      {"nonfinite", {1.5f, NAN, 0.0f, -INFINITY, 2.0f, 0.0f, INFINITY, -3.25f}},
      {"wide", wide},
      {"nothing", {NAN, INFINITY}}};
  for (const auto& [name, v] : made) {
    const Tensor t = fromValues(v);
    summarizeTensor(t, false, stats[name]);
    summarizeTensor(t, true, stats[name]);
    tensors[name + "__act"] = copyOf(t);
    tensors[name + "__grad"] = copyOf(t);
  }
  for (const auto& [name, t] : tensors)
    ASSERT_TRUE(writeNpy((dir / (name + ".npy")).string(), t).isOk()) << name;

  const auto result =
      test::runCommand(std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
                       "/tests/python/node_stats_reference.py '" + dir.string() + "' 2>&1");
  ASSERT_EQ(result.rc, 0) << result.out;
  const json ref = json::parse(result.out);
  double deadRelu = 0;
  for (const auto& [node, s] : stats) {
    const json& a = ref.at(node + "__act");
    const double scale = std::max(1.0, std::abs(a["mean"].get<double>()));
    EXPECT_EQ(s.count, a["count"].get<std::int64_t>()) << node;
    EXPECT_NEAR(s.mean, a["mean"].get<double>(), 1e-12 * scale) << node;
    // Relative to the spread itself: a sum-of-squares formula fails this on "wide".
    EXPECT_NEAR(s.std, a["std"].get<double>(), 1e-9 * std::max(1e-12, a["std"].get<double>()))
        << node;
    EXPECT_EQ(s.zeroFraction, a["zero_fraction"].get<double>()) << node;
    EXPECT_EQ(s.nonFinite, a["nonfinite"].get<std::int64_t>()) << node;
    if (!ref.contains(node + "__grad")) continue;
    const json& g = ref.at(node + "__grad");
    EXPECT_TRUE(s.hasGradient) << node;
    EXPECT_NEAR(s.gradNorm, g["norm"].get<double>(), 1e-12 * std::max(1.0, s.gradNorm)) << node;
    EXPECT_EQ(s.gradNonFinite, g["nonfinite"].get<std::int64_t>()) << node;
    if (node == "relu") deadRelu = s.zeroFraction;
  }
  EXPECT_GT(deadRelu, 0.0);  // a ReLU has exact zeros, the "dead" fraction the badge shows
  EXPECT_FALSE(stats.at("nonfinite").isFinite());
  EXPECT_EQ(stats.at("nonfinite").nonFinite, 3);  // hand count: NaN, -Inf, +Inf
  EXPECT_EQ(stats.at("nothing").mean, 0.0);
  fs::remove_all(dir);
}

TEST(NodeStats, NonFloatTensorsLeaveTheStatsAlone) {
  Tensor labels({4}, DType::I64);
  NodeStats s;
  summarizeTensor(labels, false, s);
  EXPECT_EQ(s.count, 0);
  EXPECT_FALSE(s.hasGradient);
}

}  // namespace
}  // namespace loom
