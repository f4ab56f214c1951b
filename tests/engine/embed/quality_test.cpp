// Embeddings of a briefly trained MLP (resources/examples/mlp.loom on Fashion-MNIST):
// activation extraction against PyTorch, and the quality of Loom's t-SNE and UMAP against
// scikit-learn's TSNE (trustworthiness with k = 10, 10-NN label agreement), computed by
// tests/python/embed_reference.py. Kept to 2,000 points so the test takes a minute or two;
// docs/embeddings.md has the full 10,000-point figures.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/npy.h"
#include "engine/core/threads.h"
#include "engine/embed/activations.h"
#include "engine/embed/tsne.h"
#include "engine/embed/umap.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/support/run_command.h"

namespace loom::embed {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kPoints = 2000;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_embed_quality_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

test::CommandResult reference(const std::string& args) {
  return test::runCommand(std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
                          "/tests/python/embed_reference.py " + args + " 2>&1");
}

class TrainedMlp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/mlp.loom");
    ASSERT_TRUE(m.hasValue()) << m.status().message();
    s_model = new Model(std::move(*m));
    s_model->training.set_threads(2);
    TrainOptions o;
    o.runDir = scratch("run").string();
    o.maxSteps = 400;  // about one epoch at batch 128: ~85 % test accuracy
    o.evaluateTest = false;
    auto r = train(*s_model, o);
    ASSERT_TRUE(r.hasValue()) << r.status().message();
    ExtractOptions eo;
    eo.limit = kPoints;
    auto a = extractActivations(*s_model, eo);
    ASSERT_TRUE(a.hasValue()) << a.status().message();
    s_acts = new Activations(std::move(*a));
  }
  static void TearDownTestSuite() {
    delete s_acts;
    delete s_model;
  }
  static Model* s_model;
  static Activations* s_acts;
};
Model* TrainedMlp::s_model = nullptr;
Activations* TrainedMlp::s_acts = nullptr;

TEST_F(TrainedMlp, DefaultNodeIsThePenultimateDenseAfterItsActivation) {
  ASSERT_NE(s_acts, nullptr);
  EXPECT_EQ(s_acts->node, "relu2");  // fc2 (the penultimate Dense) feeds only relu2
  EXPECT_EQ(s_acts->values.dims(), (Dims{kPoints, 128}));
  ASSERT_EQ(s_acts->labels.size(), static_cast<std::size_t>(kPoints));
  EXPECT_EQ(s_acts->images.dims(), (Dims{kPoints, 1, 28, 28}));
  EXPECT_EQ(s_acts->classNames.size(), 10u);
}

TEST_F(TrainedMlp, ActivationsEqualPyTorchsForwardOfTheSameParameters) {
  ASSERT_NE(s_acts, nullptr);
  const fs::path dir = scratch("torch");
  fs::create_directories(dir / "params");
  for (const auto& [name, t] : s_model->parameters)
    ASSERT_TRUE(writeNpy((dir / "params" / (name + ".npy")).string(), t).isOk());
  for (const std::string node : {"relu2", "fc1"}) {
    ExtractOptions eo;
    eo.limit = 300;
    eo.batchSize = 128;  // a partial last batch too
    eo.node = node;
    auto a = extractActivations(*s_model, eo);
    ASSERT_TRUE(a.hasValue()) << a.status().message();
    const fs::path out = dir / (node + ".npy");
    const auto r = reference("activations " + std::string(LOOM_SOURCE_DIR) +
                             "/resources/examples/mlp.loom " + (dir / "params").string() + " " +
                             node + " 300 " + std::to_string(s_model->dataset.mean()) + " " +
                             std::to_string(s_model->dataset.std()) + " " + out.string());
    ASSERT_EQ(r.rc, 0) << r.out;
    auto want = readNpy(out.string());
    ASSERT_TRUE(want.hasValue());
    ASSERT_EQ(want->dims(), a->values.dims());
    EXPECT_LT(maxRelativeDifference(a->values, *want), 1e-4) << node;
  }
}

TEST_F(TrainedMlp, UnknownNodeIsNamedWithTheModelsNodes) {
  ExtractOptions eo;
  eo.node = "fc9";
  auto a = extractActivations(*s_model, eo);
  ASSERT_FALSE(a.hasValue());
  EXPECT_EQ(a.status().code(), ErrorCode::NotFound);
  EXPECT_NE(a.status().message().find("node \"fc9\" is not in model \"mlp\"; its nodes are: image"),
            std::string::npos)
      << a.status().message();
}

TEST_F(TrainedMlp, TsneMatchesSklearnAndUmapIsWithinTwoPointsOfTsne) {
  ASSERT_NE(s_acts, nullptr);
  const fs::path dir = scratch("quality");
  const std::string x = (dir / "x.npy").string();
  ASSERT_TRUE(writeNpy(x, s_acts->values).isOk());
  Tensor labels({kPoints});
  for (std::int64_t i = 0; i < kPoints; ++i)
    labels.f32()[i] = static_cast<float>(s_acts->labels[static_cast<std::size_t>(i)]);
  ASSERT_TRUE(writeNpy((dir / "labels.npy").string(), labels).isOk());

  const auto sk = reference("tsne " + x + " 30 0 " + (dir / "sklearn.npy").string() + " 2");
  ASSERT_EQ(sk.rc, 0) << sk.out;
  TsneOptions to;
  to.perplexity = 30;
  to.pcaDims = 0;  // the same 128-D input sklearn gets
  to.threads = 2;
  auto t = tsne(s_acts->values, to);
  ASSERT_TRUE(t.hasValue()) << t.status().message();
  ASSERT_TRUE(writeNpy((dir / "loom_tsne.npy").string(), t->layout).isOk());
  UmapOptions uo;
  uo.threads = 2;
  auto u = umap(s_acts->values, uo);
  ASSERT_TRUE(u.hasValue()) << u.status().message();
  ASSERT_TRUE(writeNpy((dir / "loom_umap.npy").string(), u->layout).isOk());

  const auto q = reference("quality " + x + " " + (dir / "labels.npy").string() +
                           " sklearn=" + (dir / "sklearn.npy").string() +
                           " loom_tsne=" + (dir / "loom_tsne.npy").string() +
                           " loom_umap=" + (dir / "loom_umap.npy").string());
  ASSERT_EQ(q.rc, 0) << q.out;
  const auto j = nlohmann::json::parse(q.out);
  const double skTrust = j["sklearn"]["trust"], loomTrust = j["loom_tsne"]["trust"];
  const double skAgree = j["sklearn"]["agree"], loomAgree = j["loom_tsne"]["agree"];
  const double umapTrust = j["loom_umap"]["trust"];
  std::printf("trustworthiness k=10: sklearn %.4f, Loom t-SNE %.4f, Loom UMAP %.4f\n", skTrust,
              loomTrust, umapTrust);
  std::printf("10-NN label agreement: sklearn %.2f %%, Loom t-SNE %.2f %%, Loom UMAP %.2f %%\n",
              skAgree, loomAgree, static_cast<double>(j["loom_umap"]["agree"]));
  EXPECT_GE(loomTrust, skTrust);
  EXPECT_LE(std::fabs(loomAgree - skAgree), 1.0);
  EXPECT_GE(umapTrust, loomTrust - 0.02);
}

}  // namespace
}  // namespace loom::embed
