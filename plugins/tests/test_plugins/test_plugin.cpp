// Small plugins for the loader's tests, one per way a plugin can be right or wrong. Built
// several times from this one file; TEST_PLUGIN_<case> picks the behaviour and the manifest
// <case>.json says what the plugin declares.
#include <stdexcept>

#include "engine/plugin/plugin_api.h"

namespace {

/// "TestDouble": y = 2x, dx = 2dy. Enough to see that a plugin's op is registered and runs.
class TestDoubleOp final : public loom::Op {
 public:
  TestDoubleOp() {
    m_schema.name = "TestDouble";
    m_schema.category = "Core";
    m_schema.doc = "y = 2x (a test plugin's op).";
    m_schema.inputNames = {"src"};
  }
  const loom::OpSchema& schema() const override { return m_schema; }
  loom::Expected<loom::ShapeInfo> inferShapes(const std::vector<loom::Dims>& inputs,
                                              const loom::Attrs&) const override {
    return loom::ShapeInfo{inputs.at(0), {}};
  }
  loom::Status forward(loom::KernelArgs& a) const override {
    scale(a.src[0]->data<float>(), a.dst->data<float>(), a.dst->numel());
    return loom::Status::ok();
  }
  loom::Status backward(loom::KernelArgs& a) const override {
    if (a.diffSrc[0])
      scale(a.diffDst->data<float>(), a.diffSrc[0]->data<float>(), a.diffDst->numel());
    return loom::Status::ok();
  }

 private:
  static void scale(const float* x, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = 2.0f * x[i];
  }
  loom::OpSchema m_schema;
};

[[maybe_unused]] loom::DatasetKind kindNamed(const char* name) {
  loom::DatasetKind kind;
  kind.name = name;
  kind.description = "a test plugin's dataset kind";
  kind.load = [](const loom::pb::DatasetConfig&, loom::Split) -> loom::Expected<loom::Dataset> {
    return loom::notFound("a test plugin's dataset kind loads nothing");
  };
  return kind;
}

}  // namespace

extern "C" LOOM_PLUGIN_EXPORT int loom_plugin_register(int hostApiVersion, loom::PluginHost* host) {
#if defined(TEST_PLUGIN_wrong_entry_api)
  // Built "for" API version 2 and ignoring the rule to check first: the host must refuse it
  // by the returned version and keep nothing of what it registered.
  (void)hostApiVersion;
  (void)host->addDatasetKind(kindNamed("leaked_kind"));
  return 2;
#else
  if (!loom::pluginApiMatches(hostApiVersion)) return LOOM_PLUGIN_API_VERSION;
#if defined(TEST_PLUGIN_good_op)
  (void)host->addOp(std::make_unique<TestDoubleOp>());
#elif defined(TEST_PLUGIN_wrong_manifest_api)
  (void)host->addDatasetKind(kindNamed("never_registered"));  // never runs: refused before dlopen
#elif defined(TEST_PLUGIN_throws)
  (void)host->addDatasetKind(kindNamed("thrower_kind"));
  throw std::runtime_error("the test plugin throws on purpose");
#elif defined(TEST_PLUGIN_fails)
  (void)host->addDatasetKind(kindNamed("failing_kind"));
  host->fail("test plugin: no licence file found at /etc/test-plugin.key");
#elif defined(TEST_PLUGIN_undeclared)
  (void)host->addDatasetKind(kindNamed("undeclared_kind"));
#elif defined(TEST_PLUGIN_duplicate_kind)
  (void)host->addDatasetKind(kindNamed("csv"));  // a built-in name
#else
#error "define TEST_PLUGIN_<case>"
#endif
  return LOOM_PLUGIN_API_VERSION;
#endif
}
