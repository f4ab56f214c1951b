// A third-party explainer as a plugin: "test_input_magnitude" (|x|, a model-free map) through
// PluginHost::addExplainer. Built twice: TEST_EXPLAINER_good, and TEST_EXPLAINER_duplicate,
// which also tries to take the built-in name "ig" and must be refused as a whole.
#include <cmath>

#include "engine/explain/gradient_methods.h"
#include "engine/plugin/plugin_api.h"

namespace {

loom::ExplainerInfo magnitude(const std::string& name) {
  loom::ExplainerInfo info;
  info.name = name;
  info.title = "|input|";
  info.description = "absolute input value (ignores the model)";
  info.options = {{"power", "1", "exponent applied to |x|"}};
  info.run = [name](const loom::ExplainRequest& r) -> loom::Expected<loom::Explanation> {
    LOOM_RETURN_IF_ERROR(loom::checkExplainInputs(*r.probe, *r.images, r.targets));
    auto power = loom::realOption(r, name, "power");
    if (!power) return power.status();
    loom::Explanation e;
    e.targets = r.targets;
    e.map = r.images->clone();
    for (std::int64_t i = 0; i < e.map.numel(); ++i)
      e.map.f32()[i] = static_cast<float>(std::pow(std::fabs(e.map.f32()[i]), *power));
    return e;
  };
  return info;
}

}  // namespace

extern "C" LOOM_PLUGIN_EXPORT int loom_plugin_register(int hostApiVersion, loom::PluginHost* host) {
  if (!loom::pluginApiMatches(hostApiVersion)) return LOOM_PLUGIN_API_VERSION;
  if (loom::Status st = host->addExplainer(magnitude("test_input_magnitude")); !st)
    host->fail(st.message());
#ifdef TEST_EXPLAINER_duplicate
  (void)host->addExplainer(magnitude("ig"));
#endif
  return LOOM_PLUGIN_API_VERSION;
}
