// The explainer registry: built-ins by name with their options, clear errors for unknown
// methods and options, and a third-party explainer that plugs in through the plugin entry
// point (tests/engine/explain/test_explainer_plugin.cpp) and runs like a built-in; a plugin
// that takes a built-in's name is refused as a whole.
#include <gtest/gtest.h>

#include "engine/backends/backend.h"
#include "engine/explain/registry.h"
#include "engine/plugin/plugin_loader.h"
#include "explain_fixture.h"

using namespace loom;

namespace {

TEST(ExplainRegistry, BuiltinsAndTheirErrors) {
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  for (const char* name : {"gradient", "gradient_x_input", "smoothgrad", "smoothgrad_sq", "ig",
                           "gradient_shap", "gradcam", "occlusion", "shap", "lime", "random"})
    EXPECT_NE(reg.find(name), nullptr) << name;
  Model model = test::parseOrFail(test::kSmallCnn);
  auto params = test::seededParams(model, 1);
  auto probe = ModelProbe::create(model.graph, *params, {});
  ASSERT_TRUE(probe) << probe.status().message();
  Tensor x = test::fashionImages(0, 1);
  ExplainRequest r;
  r.probe = &*probe;
  r.images = &x;
  r.targets = {0};
  auto unknown = reg.run("saliency", r);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.status().message().find("method \"saliency\" is not one of: gradient,"),
            std::string::npos);
  r.options = {{"stepz", "3"}};
  auto badOption = reg.run("ig", r);
  ASSERT_FALSE(badOption);
  EXPECT_NE(
      badOption.status().message().find("\"stepz\" is not an option of ig (steps, quadrature)"),
      std::string::npos)
      << badOption.status().message();
  r.options = {{"steps", "many"}};
  auto badValue = reg.run("ig", r);
  ASSERT_FALSE(badValue);
  EXPECT_NE(badValue.status().message().find("steps = \"many\""), std::string::npos);
  r.options = {{"steps", "4"}};
  r.targets = {10};
  auto badTarget = reg.run("ig", r);
  ASSERT_FALSE(badTarget);
  EXPECT_NE(badTarget.status().message().find("target class 10 is out of range"),
            std::string::npos);
  r.targets = {0};
  auto ok = reg.run("ig", r);
  ASSERT_TRUE(ok) << ok.status().message();
  EXPECT_EQ(ok->method, "ig");
}

struct PluginFixture {
  OpRegistry ops;
  DatasetRegistry datasets;
  ExplainerRegistry explainers;
  PluginManager manager{ops, datasets, &explainers};
  PluginFixture() {
    registerBuiltinOps(ops);
    registerBuiltinDatasets(datasets);
    registerBuiltinExplainers(explainers);
  }
};

TEST(ExplainRegistry, PluginAddsAnExplainer) {
  PluginFixture f;
  const PluginRecord& r =
      f.manager.loadFolder(std::string(LOOM_EXPLAIN_TEST_PLUGINS) + "/good", "test");
  ASSERT_EQ(r.state, PluginState::Loaded) << r.status.message();
  EXPECT_EQ(r.added.explainers, std::vector<std::string>{"test_input_magnitude"});
  const ExplainerInfo* info = f.explainers.find("test_input_magnitude");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->origin, "test_explainer_good");
  EXPECT_EQ(ExplainerRegistry::global().find("test_input_magnitude"), nullptr)
      << "a test manager must not touch the global registry";

  Model model = test::parseOrFail(test::kSmallCnn);
  auto params = test::seededParams(model, 1);
  auto probe = ModelProbe::create(model.graph, *params, {});
  ASSERT_TRUE(probe);
  Tensor x = test::fashionImages(0, 1);
  ExplainRequest req;
  req.probe = &*probe;
  req.images = &x;
  req.targets = {0};
  req.options = {{"power", "2"}};
  auto e = f.explainers.run("test_input_magnitude", req);
  ASSERT_TRUE(e) << e.status().message();
  EXPECT_EQ(e->method, "test_input_magnitude");
  for (std::int64_t i = 0; i < x.numel(); i += 97)
    EXPECT_FLOAT_EQ(e->map.f32()[i], x.f32()[i] * x.f32()[i]);
}

TEST(ExplainRegistry, PluginTakingABuiltinNameIsRefused) {
  PluginFixture f;
  const PluginRecord& r =
      f.manager.loadFolder(std::string(LOOM_EXPLAIN_TEST_PLUGINS) + "/duplicate", "test");
  EXPECT_EQ(r.state, PluginState::Refused);
  EXPECT_NE(r.status.message().find("explainer \"ig\" from plugin \"test_explainer_duplicate\" "
                                    "is already registered by builtin"),
            std::string::npos)
      << r.status.message();
  EXPECT_EQ(f.explainers.find("test_input_magnitude"), nullptr) << "all or nothing";
}

}  // namespace
