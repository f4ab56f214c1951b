// Transfer learning (engine/graph/transfer.h, engine/train/freeze.h; docs/transfer-learning.md):
// cutAfter keeps a node and its ancestors, appendHead adds Flatten + Dense, editForTransfer
// carries the kept parameters byte for byte; training.freeze_until keeps every frozen tensor
// (weights, biases, BatchNorm's gamma, beta and running statistics) byte-identical through
// real optimizer steps on Fashion-MNIST, while the unfrozen ones change, and a frozen run
// resumes bit-exactly. Bad names are refused naming the node and near names.
#include "engine/graph/transfer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/file_util.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/train/freeze.h"
#include "engine/train/trainer.h"

using namespace loom;
namespace fs = std::filesystem;

namespace {

// Features with a BatchNorm (running statistics are the tensors most easily changed by a
// "frozen" forward in training mode) and a Dropout, then a two-layer head. Adam with weight
// decay moves every parameter it is given even where the gradient is zero, so a frozen
// tensor stays only if the optimizer never sees it.
const char* kModel = R"(
format_version: 2
name: "transfer"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } y: 0 }
  node { name: "conv" op: "Conv2D" input: "image"
         attr { name: "filters" i: 4 } attr { name: "kernel_size" ints { v: [3, 3] } }
         attr { name: "padding" s: "same" } y: 90 }
  node { name: "bn" op: "BatchNorm" input: "conv" y: 180 }
  node { name: "relu" op: "ReLU" input: "bn" y: 270 }
  node { name: "pool" op: "MaxPool2D" input: "relu" y: 360 }
  node { name: "drop" op: "Dropout" input: "pool" attr { name: "rate" f: 0.3 } y: 450 }
  node { name: "flatten" op: "Flatten" input: "drop" y: 540 }
  node { name: "fc" op: "Dense" input: "flatten" attr { name: "units" i: 16 } y: 630 }
  node { name: "fc_relu" op: "ReLU" input: "fc" y: 720 }
  node { name: "logits" op: "Dense" input: "fc_relu" attr { name: "units" i: 10 } y: 810 }
}
training {
  epochs: 2 batch_size: 32 seed: 11 threads: 1
  optimizer { type: "adam" learning_rate: 0.01 weight_decay: 0.01 }
}
dataset { train_limit: 320 test_limit: 200 }
)";
constexpr std::int64_t kSteps = 2 * 320 / 32;

Model transferModel() {
  auto m = parseModel(kModel, "transfer.loom");
  EXPECT_TRUE(m.hasValue()) << m.status().message();
  return *m;
}

std::string freshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_transfer_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  return dir.string();
}

/// The model with the initial values of all its parameters written into it, as a trained
/// file carries them: what every frozen tensor must still be after training.
Model withInitialParameters(Model m) {
  applyDefaults(m);
  const GraphAnalysis a = analyzeGraph(m.graph, OpRegistry::global(), 1);
  EXPECT_TRUE(a.status.isOk()) << a.status.message();
  auto params = ParameterSet::create(m.graph, a, {}, m.training.seed());
  EXPECT_TRUE(params.hasValue()) << params.status().message();
  m.parameters = params->values();
  return m;
}

bool sameBytes(const Tensor& a, const Tensor& b) {
  return a.dims() == b.dims() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

std::vector<std::string> names(const Graph& g) {
  std::vector<std::string> v;
  for (const Node& n : g.nodes()) v.push_back(n.name);
  return v;
}

Model trained(const Model& m, const std::string& runDir, TrainResult* result = nullptr) {
  Model copy = m;
  TrainOptions o;
  o.runDir = runDir;
  auto r = train(copy, o);
  EXPECT_TRUE(r.hasValue()) << r.status().message();
  if (r && result) *result = *r;
  return copy;
}

}  // namespace

// ---- graph surgery ------------------------------------------------------------------------------

TEST(Transfer, AncestorsAreTheNodeAndEverythingItDependsOn) {
  const Model m = transferModel();
  EXPECT_EQ(ancestorsOf(m.graph, "pool"),
            (std::vector<std::string>{"image", "conv", "bn", "relu", "pool"}));
  EXPECT_EQ(ancestorsOf(m.graph, "image"), (std::vector<std::string>{"image"}));
  EXPECT_TRUE(ancestorsOf(m.graph, "nope").empty());
}

TEST(Transfer, CutAfterKeepsTheNodeAndItsAncestorsAsTheOutput) {
  const Model m = transferModel();
  auto cut = cutAfter(m.graph, "flatten");
  ASSERT_TRUE(cut.hasValue()) << cut.status().message();
  EXPECT_EQ(names(*cut),
            (std::vector<std::string>{"image", "conv", "bn", "relu", "pool", "drop", "flatten"}));
  EXPECT_EQ(cut->output(), "flatten");
  EXPECT_EQ(*cut->find("conv"), *m.graph.find("conv"));  // attributes and position unchanged
  const GraphAnalysis a = analyzeGraph(*cut, OpRegistry::global(), 1);
  ASSERT_TRUE(a.status.isOk()) << a.status.message();
  EXPECT_EQ(a.outputNode, "flatten");
}

TEST(Transfer, CutAfterRefusesAnUnknownNodeNamingNearNames) {
  auto cut = cutAfter(transferModel().graph, "pool9");
  ASSERT_FALSE(cut.hasValue());
  EXPECT_EQ(cut.status().code(), ErrorCode::InvalidArgument);
  EXPECT_NE(cut.status().message().find("\"pool9\" names no node of the model"), std::string::npos)
      << cut.status().message();
  EXPECT_NE(cut.status().message().find("near names: pool"), std::string::npos)
      << cut.status().message();
}

TEST(Transfer, CutAfterTheOutputIsRefused) {
  auto cut = cutAfter(transferModel().graph, "logits");
  ASSERT_FALSE(cut.hasValue());
  EXPECT_NE(cut.status().message().find("\"logits\": it is the model's output"), std::string::npos)
      << cut.status().message();
}

TEST(Transfer, AppendHeadFlattensWhenNeededAndEndsInDenseLogits) {
  const Model m = transferModel();
  auto cut = cutAfter(m.graph, "pool");  // [N, 4, 14, 14]: needs a Flatten
  ASSERT_TRUE(cut.hasValue());
  HeadOptions head;
  head.classes = 7;
  auto g = appendHead(*cut, head);
  ASSERT_TRUE(g.hasValue()) << g.status().message();
  ASSERT_EQ(g->nodes().size(), cut->nodes().size() + 2);
  const Node& flatten = g->nodes()[g->nodes().size() - 2];
  const Node& dense = g->nodes().back();
  EXPECT_EQ(flatten.op, "Flatten");
  EXPECT_EQ(flatten.inputs, (std::vector<std::string>{"pool"}));
  EXPECT_EQ(dense.op, "Dense");
  EXPECT_EQ(dense.inputs, (std::vector<std::string>{flatten.name}));
  EXPECT_EQ(g->output(), dense.name);
  EXPECT_GT(dense.y, m.graph.find("pool")->y);  // drawn below the cut node
  const GraphAnalysis a = analyzeGraph(*g, OpRegistry::global(), 3);
  ASSERT_TRUE(a.status.isOk()) << a.status.message();
  EXPECT_EQ(a.nodes.back().shape.output, (Dims{3, 7}));
  // 4 * 14 * 14 features to 7 classes, with a bias: computed by hand.
  EXPECT_EQ(a.nodes.back().cost.params, 4 * 14 * 14 * 7 + 7);

  auto flat = cutAfter(m.graph, "fc_relu");  // already [N, 16]: no Flatten
  ASSERT_TRUE(flat.hasValue());
  auto g2 = appendHead(*flat, head);
  ASSERT_TRUE(g2.hasValue()) << g2.status().message();
  EXPECT_EQ(g2->nodes().size(), flat->nodes().size() + 1);
  EXPECT_EQ(g2->nodes().back().op, "Dense");
}

TEST(Transfer, AppendHeadNeedsAtLeastOneClassAndAFreshName) {
  const Model m = transferModel();
  HeadOptions head;
  head.classes = 0;
  auto g = appendHead(m.graph, head);
  ASSERT_FALSE(g.hasValue());
  EXPECT_NE(g.status().message().find("at least 1 class, got 0"), std::string::npos);
  head.classes = 3;
  head.name = "logits";  // taken: the head gets a unique name
  auto g2 = appendHead(m.graph, head);
  ASSERT_TRUE(g2.hasValue()) << g2.status().message();
  EXPECT_EQ(g2->output(), "logits_2");
}

TEST(Transfer, EditCarriesKeptParametersByteForByteAndDropsTheRest) {
  const Model m = withInitialParameters(transferModel());
  TransferEdit edit;
  edit.cutAfter = "flatten";
  edit.headClasses = 5;
  edit.freezeUntil = "flatten";
  auto r = editForTransfer(m, edit);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  const Model& e = r->model;
  EXPECT_EQ(e.training.freeze_until(), "flatten");
  EXPECT_EQ(e.graph.output(), "head");
  std::vector<std::string> kept;
  for (const auto& [name, t] : e.parameters) {
    kept.push_back(name);
    EXPECT_TRUE(sameBytes(t, m.parameters.at(name))) << name;
  }
  EXPECT_EQ(kept, (std::vector<std::string>{"bn.beta", "bn.gamma", "bn.running_mean",
                                            "bn.running_var", "conv.bias", "conv.weights"}));
  // Saved and loaded again, the file trains as it is (see FrozenTrainingKeepsFrozenTensors...).
  auto again = parseModel(serializeModel(e), "edited.loom");
  ASSERT_TRUE(again.hasValue()) << again.status().message();
  for (const auto& [name, t] : e.parameters)
    EXPECT_TRUE(sameBytes(again->parameters.at(name), t)) << name;

  TransferEdit bad;
  bad.cutAfter = "flatten";
  bad.freezeUntil = "fc";  // removed by the cut
  auto refused = editForTransfer(m, bad);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_NE(refused.status().message().find("\"fc\" names no node"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(editForTransfer(m, TransferEdit{}).hasValue());  // nothing asked
}

// ---- freezing -----------------------------------------------------------------------------------

TEST(Freeze, ResolvesTheNodeAndItsAncestorsAndRefusesUnknownNames) {
  const Model m = transferModel();
  auto f = resolveFrozenSet(m.graph, "drop");
  ASSERT_TRUE(f.hasValue());
  EXPECT_EQ(f->nodes, (std::vector<std::string>{"image", "conv", "bn", "relu", "pool", "drop"}));
  auto none = resolveFrozenSet(m.graph, "");
  ASSERT_TRUE(none.hasValue());
  EXPECT_TRUE(none->nodes.empty());
  auto bad = resolveFrozenSet(m.graph, "flaten");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_EQ(bad.status().code(), ErrorCode::InvalidArgument);
  EXPECT_NE(bad.status().message().find(
                "training.freeze_until \"flaten\" names no node of the model; near names: flatten"),
            std::string::npos)
      << bad.status().message();
}

TEST(Freeze, TrainerRefusesAnUnknownNodeAndFreezingEverything) {
  Model m = transferModel();
  m.training.set_freeze_until("pool_9");
  TrainOptions o;
  o.runDir = freshDir("unknown");
  auto t = Trainer::create(m, o);
  ASSERT_FALSE(t.hasValue());
  EXPECT_NE(t.status().message().find("\"pool_9\" names no node"), std::string::npos)
      << t.status().message();
  m.training.set_freeze_until("logits");
  auto all = Trainer::create(m, o);
  ASSERT_FALSE(all.hasValue());
  EXPECT_NE(all.status().message().find("freezes every trainable parameter"), std::string::npos)
      << all.status().message();
}

// The acceptance: real optimizer steps on Fashion-MNIST; frozen tensors are byte-identical,
// unfrozen ones changed, and the same run without freezing changes the frozen ones (so the
// check could fail).
TEST(Freeze, FrozenTrainingKeepsFrozenTensorsByteIdenticalAndTrainsTheRest) {
  Model m = withInitialParameters(transferModel());
  m.training.set_freeze_until("flatten");
  const std::string runDir = freshDir("frozen");
  TrainResult result;
  const Model after = trained(m, runDir, &result);
  const std::vector<std::string> frozen = {"conv.weights", "conv.bias",       "bn.gamma",
                                           "bn.beta",      "bn.running_mean", "bn.running_var"};
  for (const std::string& name : frozen)
    EXPECT_TRUE(sameBytes(after.parameters.at(name), m.parameters.at(name))) << name;
  for (const char* name : {"fc.weights", "fc.bias", "logits.weights", "logits.bias"})
    EXPECT_FALSE(sameBytes(after.parameters.at(name), m.parameters.at(name))) << name;
  EXPECT_GT(result.test.accuracy, 0.3);  // the head learned on frozen features (chance: 0.1)

  // run.json says what was frozen; the checkpoint keeps no optimizer state for it.
  auto json = nlohmann::json::parse(*readFile(runDir + "/run.json"));
  ASSERT_TRUE(json.contains("frozen")) << json.dump(2);
  EXPECT_EQ(json["frozen"]["until"], "flatten");
  EXPECT_EQ(json["frozen"]["nodes"].size(), 7u);
  EXPECT_EQ(json["frozen"]["tensors"], 6);
  EXPECT_EQ(json["frozen"]["parameters"], 4 * 9 + 4 + 4 * 4);  // hand-counted
  EXPECT_EQ(json["global_step"], kSteps);

  Model unfrozen = m;
  unfrozen.training.clear_freeze_until();
  const Model free = trained(unfrozen, freshDir("unfrozen"));
  // (conv.bias is left out: its gradient before a BatchNorm is zero in theory.)
  for (const char* name :
       {"conv.weights", "bn.gamma", "bn.beta", "bn.running_mean", "bn.running_var"})
    EXPECT_FALSE(sameBytes(free.parameters.at(name), m.parameters.at(name))) << name;
}

TEST(Freeze, AFrozenRunStoppedAndResumedEndsBitIdentical) {
  Model m = withInitialParameters(transferModel());
  m.training.set_freeze_until("pool");
  const Model whole = trained(m, freshDir("whole"));

  const std::string dir = freshDir("resumed");
  TrainOptions first;
  first.runDir = dir;
  first.maxSteps = kSteps / 2 + 1;  // stops inside the second epoch
  Model part = m;
  ASSERT_TRUE(train(part, first).hasValue());
  TrainOptions rest;
  rest.runDir = dir;
  rest.resume = true;
  Model resumed = m;
  auto r = train(resumed, rest);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  ASSERT_EQ(resumed.parameters.size(), whole.parameters.size());
  for (const auto& [name, t] : whole.parameters)
    EXPECT_TRUE(sameBytes(resumed.parameters.at(name), t)) << name;
}

// The checkpoint holds optimizer state only for what was trainable: unfreezing on resume is
// refused as a checkpoint of other parameters (docs/transfer-learning.md says so).
TEST(Freeze, ResumingWithNodesUnfrozenIsRefused) {
  Model m = withInitialParameters(transferModel());
  m.training.set_freeze_until("flatten");
  const std::string dir = freshDir("unfreeze_on_resume");
  TrainOptions first;
  first.runDir = dir;
  first.maxSteps = 3;
  Model part = m;
  ASSERT_TRUE(train(part, first).hasValue());
  Model unfrozen = m;
  unfrozen.training.clear_freeze_until();
  TrainOptions rest;
  rest.runDir = dir;
  rest.resume = true;
  auto t = Trainer::create(unfrozen, rest);
  ASSERT_FALSE(t.hasValue());
  EXPECT_EQ(t.status().code(), ErrorCode::ModelMismatch) << t.status().message();
  EXPECT_NE(t.status().message().find("no optimizer state"), std::string::npos)
      << t.status().message();
}
