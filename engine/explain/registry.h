// The explainer registry: the one list of attribution methods by name, each with its options
// (name, default, help) as data. `loom explain --method`, docs/explain.md and plugins all go
// through it. Built-ins register from registerBuiltinExplainers(); a plugin adds its own with
// PluginHost::addExplainer() (engine/plugin/plugin_api.h), which lands here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/explain/explanation.h"
#include "engine/explain/probe.h"
#include "engine/explain/superpixels.h"

namespace loom {

/// One option of an explainer, as text (the CLI's `--option name=value`).
struct ExplainerOption {
  std::string name;
  std::string defaultValue;
  std::string help;
};

/// What an explainer is given. Everything is owned by the caller and valid during run().
struct ExplainRequest {
  ModelProbe* probe = nullptr;
  const Tensor* images = nullptr;     ///< [N, C, H, W], model-input units
  std::vector<std::int64_t> targets;  ///< per image, checked against the model's classes
  ScoreKind kind = ScoreKind::Logit;
  BaselineSpec baseline;  ///< black/white values and the chosen baseline
  std::uint64_t seed = 0;
  std::string convNode;  ///< Grad-CAM's node (the probe keeps it)
  /// Superpixels of each image (filled by the caller for explainers with needsSuperpixels).
  std::vector<Segmentation> segments;
  /// Option values given by the user; the explainer's defaults fill the rest.
  std::map<std::string, std::string> options;
};

struct ExplainerInfo {
  std::string name;                ///< what --method takes, e.g. "ig"
  std::string title;               ///< for figures, e.g. "Integrated Gradients"
  std::string description;         ///< one line
  std::string origin = "builtin";  ///< "builtin" or the plugin's name (set by the host)
  bool needsSuperpixels = false;
  bool needsConvNode = false;
  std::vector<ExplainerOption> options;
  std::function<Expected<Explanation>(const ExplainRequest&)> run;
};

class ExplainerRegistry {
 public:
  /// The process-wide registry; registerBuiltinExplainers() has run on it.
  static ExplainerRegistry& global();
  /// InvalidArgument (naming the explainer and who registered it first) when the name is
  /// taken, or when the explainer has no run function or an empty name.
  Status add(ExplainerInfo info);
  const ExplainerInfo* find(const std::string& name) const;
  /// Names in registration order.
  std::vector<std::string> names() const;
  /// Runs `name` on `request`: checks the option names (InvalidArgument naming an unknown
  /// one and listing the known ones), fills defaults, and sets Explanation::method.
  Expected<Explanation> run(const std::string& name, ExplainRequest request) const;

 private:
  std::vector<ExplainerInfo> m_explainers;
};

/// Adds the built-in explainers (gradient, gradient_x_input, smoothgrad, smoothgrad_sq, ig,
/// gradient_shap, gradcam, occlusion, shap, lime, random).
void registerBuiltinExplainers(ExplainerRegistry& registry);

/// Option parsing for explainers: the value of `name` in request.options as a number, with
/// InvalidArgument "option steps = "abc" of ig is not an integer" on failure.
Expected<std::int64_t> intOption(const ExplainRequest& r, const std::string& method,
                                 const std::string& name);
Expected<double> realOption(const ExplainRequest& r, const std::string& method,
                            const std::string& name);

}  // namespace loom
