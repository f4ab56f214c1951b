// Embeddings of briefly trained example models on Fashion-MNIST:
// - the MLP (resources/examples/mlp.loom): activation extraction against PyTorch;
// - the 2-conv CNN (resources/examples/cnn.loom), one epoch: the quality of Loom's t-SNE and
//   UMAP of all 10,000 test embeddings against scikit-learn's TSNE (trustworthiness with
//   k = 10, 10-NN label agreement), computed by tests/python/embed_reference.py.
// The references run at the test's own thread count (2), as Loom does.
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

constexpr std::int64_t kMlpPoints = 2000;
constexpr std::int64_t kCnnPoints = 10000;  // the whole Fashion-MNIST test split

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

// Trains the example MODEL for STEPS steps on 2 threads and extracts the activations of its
// default node (the penultimate Dense, after its activation) for the first POINTS test images.
struct TrainedEmbeddings {
  Model* model = nullptr;
  Activations* acts = nullptr;
};

void trainAndExtract(const std::string& example, std::int64_t steps, std::int64_t points,
                     TrainedEmbeddings& out) {
  auto m = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/" + example);
  ASSERT_TRUE(m.hasValue()) << m.status().message();
  out.model = new Model(std::move(*m));
  out.model->training.set_threads(2);
  TrainOptions o;
  o.runDir = scratch("run_" + example).string();
  o.maxSteps = steps;
  o.evaluateTest = false;
  auto r = train(*out.model, o);
  ASSERT_TRUE(r.hasValue()) << r.status().message();
  ExtractOptions eo;
  eo.limit = points;
  auto a = extractActivations(*out.model, eo);
  ASSERT_TRUE(a.hasValue()) << a.status().message();
  out.acts = new Activations(std::move(*a));
}

void release(TrainedEmbeddings& e) {
  delete e.acts;
  delete e.model;
  e = {};
}

class TrainedMlp : public ::testing::Test {
 protected:
  // 400 steps: about one epoch at batch 128, ~85 % test accuracy.
  static void SetUpTestSuite() { trainAndExtract("mlp.loom", 400, kMlpPoints, s_mlp); }
  static void TearDownTestSuite() { release(s_mlp); }
  static TrainedEmbeddings s_mlp;
};
TrainedEmbeddings TrainedMlp::s_mlp;

class TrainedCnn : public ::testing::Test {
 protected:
  // 937 steps: one epoch at batch 64, ~89 % test accuracy.
  static void SetUpTestSuite() { trainAndExtract("cnn.loom", 937, kCnnPoints, s_cnn); }
  static void TearDownTestSuite() { release(s_cnn); }
  static TrainedEmbeddings s_cnn;
};
TrainedEmbeddings TrainedCnn::s_cnn;

TEST_F(TrainedMlp, DefaultNodeIsThePenultimateDenseAfterItsActivation) {
  ASSERT_NE(s_mlp.acts, nullptr);
  EXPECT_EQ(s_mlp.acts->node, "relu2");  // fc2 (the penultimate Dense) feeds only relu2
  EXPECT_EQ(s_mlp.acts->values.dims(), (Dims{kMlpPoints, 128}));
  ASSERT_EQ(s_mlp.acts->labels.size(), static_cast<std::size_t>(kMlpPoints));
  EXPECT_EQ(s_mlp.acts->images.dims(), (Dims{kMlpPoints, 1, 28, 28}));
  EXPECT_EQ(s_mlp.acts->classNames.size(), 10u);
}

TEST_F(TrainedMlp, ActivationsEqualPyTorchsForwardOfTheSameParameters) {
  ASSERT_NE(s_mlp.acts, nullptr);
  const fs::path dir = scratch("torch");
  fs::create_directories(dir / "params");
  for (const auto& [name, t] : s_mlp.model->parameters)
    ASSERT_TRUE(writeNpy((dir / "params" / (name + ".npy")).string(), t).isOk());
  for (const std::string node : {"relu2", "fc1"}) {
    ExtractOptions eo;
    eo.limit = 300;
    eo.batchSize = 128;  // a partial last batch too
    eo.node = node;
    auto a = extractActivations(*s_mlp.model, eo);
    ASSERT_TRUE(a.hasValue()) << a.status().message();
    const fs::path out = dir / (node + ".npy");
    const auto r = reference("activations " + std::string(LOOM_SOURCE_DIR) +
                             "/resources/examples/mlp.loom " + (dir / "params").string() + " " +
                             node + " 300 " + std::to_string(s_mlp.model->dataset.mean()) + " " +
                             std::to_string(s_mlp.model->dataset.std()) + " " + out.string());
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
  auto a = extractActivations(*s_mlp.model, eo);
  ASSERT_FALSE(a.hasValue());
  EXPECT_EQ(a.status().code(), ErrorCode::NotFound);
  EXPECT_NE(a.status().message().find("node \"fc9\" is not in model \"mlp\"; its nodes are: image"),
            std::string::npos)
      << a.status().message();
}

TEST_F(TrainedCnn, TsneOfAllTestEmbeddingsMatchesSklearnAndUmapIsWithinTwoPointsOfTsne) {
  ASSERT_NE(s_cnn.acts, nullptr);
  ASSERT_EQ(s_cnn.acts->node, "relu3");  // after fc1, the CNN's penultimate Dense
  ASSERT_EQ(s_cnn.acts->values.dims(), (Dims{kCnnPoints, 1024}));
  const fs::path dir = scratch("quality");
  const std::string x = (dir / "x.npy").string();
  ASSERT_TRUE(writeNpy(x, s_cnn.acts->values).isOk());
  Tensor labels({kCnnPoints});
  for (std::int64_t i = 0; i < kCnnPoints; ++i)
    labels.f32()[i] = static_cast<float>(s_cnn.acts->labels[static_cast<std::size_t>(i)]);
  ASSERT_TRUE(writeNpy((dir / "labels.npy").string(), labels).isOk());

  const auto sk = reference("tsne " + x + " 30 0 " + (dir / "sklearn.npy").string() + " 2");
  ASSERT_EQ(sk.rc, 0) << sk.out;
  TsneOptions to;
  to.perplexity = 30;
  to.pcaDims = 0;  // the same 1024-D input sklearn gets
  to.threads = 2;
  auto t = tsne(s_cnn.acts->values, to);
  ASSERT_TRUE(t.hasValue()) << t.status().message();
  ASSERT_TRUE(writeNpy((dir / "loom_tsne.npy").string(), t->layout).isOk());
  UmapOptions uo;
  uo.threads = 2;
  auto u = umap(s_cnn.acts->values, uo);
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
  std::printf("trustworthiness k=10: sklearn %.6f, Loom t-SNE %.6f, Loom UMAP %.6f\n", skTrust,
              loomTrust, umapTrust);
  std::printf("10-NN label agreement: sklearn %.2f %%, Loom t-SNE %.2f %%, Loom UMAP %.2f %%\n",
              skAgree, loomAgree, static_cast<double>(j["loom_umap"]["agree"]));
  EXPECT_GE(loomTrust, skTrust);
  EXPECT_LE(std::fabs(loomAgree - skAgree), 1.0);
  EXPECT_GE(umapTrust, loomTrust - 0.02);
}

}  // namespace
}  // namespace loom::embed
