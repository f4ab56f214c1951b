// The explainer registry and the built-in explainers (registry.h).
#include "engine/explain/registry.h"

#include <cstdlib>

#include "engine/explain/faithfulness.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/perturbation_methods.h"

namespace loom {

ExplainerRegistry& ExplainerRegistry::global() {
  static ExplainerRegistry* registry = [] {
    auto* r = new ExplainerRegistry();
    registerBuiltinExplainers(*r);
    return r;
  }();
  return *registry;
}

Status ExplainerRegistry::add(ExplainerInfo info) {
  if (info.name.empty() || !info.run)
    return invalidArgument("explainer \"" + info.name + "\" from " + info.origin +
                           " needs a name and a run function");
  if (const ExplainerInfo* old = find(info.name))
    return invalidArgument("explainer \"" + info.name + "\" from " + info.origin +
                           " is already registered by " + old->origin);
  m_explainers.push_back(std::move(info));
  return Status::ok();
}

const ExplainerInfo* ExplainerRegistry::find(const std::string& name) const {
  for (const auto& e : m_explainers)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<std::string> ExplainerRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& e : m_explainers) out.push_back(e.name);
  return out;
}

Expected<Explanation> ExplainerRegistry::run(const std::string& name,
                                             ExplainRequest request) const {
  const ExplainerInfo* info = find(name);
  if (!info) {
    std::string all;
    for (const auto& n : names()) all += (all.empty() ? "" : ", ") + n;
    return invalidArgument("method \"" + name + "\" is not one of: " + all);
  }
  for (const auto& [key, value] : request.options) {
    bool known = false;
    std::string list;
    for (const auto& o : info->options) {
      known |= o.name == key;
      list += (list.empty() ? "" : ", ") + o.name;
    }
    if (!known)
      return invalidArgument("option \"" + key + "\" is not an option of " + name +
                             (list.empty() ? std::string(" (it has none)") : " (" + list + ")"));
  }
  for (const auto& o : info->options) request.options.emplace(o.name, o.defaultValue);
  if (!request.probe || !request.images) return internalError("explain: no probe or images");
  auto e = info->run(request);
  if (e) e->method = name;
  return e;
}

Expected<std::int64_t> intOption(const ExplainRequest& r, const std::string& method,
                                 const std::string& name) {
  const std::string& text = r.options.at(name);
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    return invalidArgument("option " + name + " = \"" + text + "\" of " + method +
                           " is not an integer");
  return static_cast<std::int64_t>(v);
}

Expected<double> realOption(const ExplainRequest& r, const std::string& method,
                            const std::string& name) {
  const std::string& text = r.options.at(name);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    return invalidArgument("option " + name + " = \"" + text + "\" of " + method +
                           " is not a number");
  return v;
}

namespace {

#define LOOM_OPTION(var, fn, method, name) \
  auto var##Or = fn(r, method, name);      \
  if (!var##Or) return var##Or.status();   \
  const auto var = *var##Or

Expected<Explanation> runSmoothGrad(const ExplainRequest& r, bool squared) {
  const char* m = squared ? "smoothgrad_sq" : "smoothgrad";
  LOOM_OPTION(samples, intOption, m, "samples");
  LOOM_OPTION(noise, realOption, m, "noise");
  SmoothGradOptions o;
  o.samples = samples;
  o.noiseLevel = noise;
  o.squared = squared;
  o.seed = r.seed;
  return smoothGrad(*r.probe, *r.images, r.targets, r.kind, o);
}

Expected<Explanation> runIg(const ExplainRequest& r) {
  LOOM_OPTION(steps, intOption, "ig", "steps");
  auto q = parseQuadrature(r.options.at("quadrature"));
  if (!q) return q.status();
  IntegratedGradientsOptions o;
  o.steps = steps;
  o.quadrature = *q;
  o.baseline = r.baseline;
  return integratedGradients(*r.probe, *r.images, r.targets, r.kind, o);
}

Expected<Explanation> runGradientShap(const ExplainRequest& r) {
  LOOM_OPTION(samples, intOption, "gradient_shap", "samples");
  LOOM_OPTION(noise, realOption, "gradient_shap", "noise");
  GradientShapOptions o;
  o.samples = samples;
  o.noiseStd = noise;
  o.seed = r.seed;
  o.fallback = r.baseline;
  if (r.baseline.kind == BaselineKind::DatasetMean && !r.baseline.datasetMean.empty()) {
    Dims d{1};
    d.insert(d.end(), r.baseline.datasetMean.dims().begin(), r.baseline.datasetMean.dims().end());
    o.background = r.baseline.datasetMean.reshaped(d);
  }
  return gradientShap(*r.probe, *r.images, r.targets, r.kind, o);
}

Expected<Explanation> runOcclusion(const ExplainRequest& r) {
  LOOM_OPTION(window, intOption, "occlusion", "window");
  LOOM_OPTION(stride, intOption, "occlusion", "stride");
  OcclusionOptions o;
  o.window = window;
  o.stride = stride;
  o.baseline = r.baseline;
  return occlusion(*r.probe, *r.images, r.targets, r.kind, o);
}

Expected<Explanation> runShap(const ExplainRequest& r) {
  LOOM_OPTION(coalitions, intOption, "shap", "coalitions");
  KernelShapOptions o;
  o.coalitions = coalitions;
  o.baseline = r.baseline;
  o.seed = r.seed;
  return kernelShap(*r.probe, *r.images, r.targets, r.kind, r.segments, o);
}

Expected<Explanation> runLime(const ExplainRequest& r) {
  LOOM_OPTION(samples, intOption, "lime", "samples");
  LOOM_OPTION(width, realOption, "lime", "kernel_width");
  LOOM_OPTION(ridge, realOption, "lime", "ridge");
  LimeOptions o;
  o.samples = samples;
  o.kernelWidth = width;
  o.ridge = ridge;
  o.baseline = r.baseline;
  o.seed = r.seed;
  return lime(*r.probe, *r.images, r.targets, r.kind, r.segments, o);
}

Expected<Explanation> runRandom(const ExplainRequest& r) {
  LOOM_RETURN_IF_ERROR(checkExplainInputs(*r.probe, *r.images, r.targets));
  Explanation e;
  e.targets = r.targets;
  const Dims& x = r.images->dims();
  e.map = randomMap(Dims{x[0], 1, x[2], x[3]}, r.seed);
  return e;
}

#undef LOOM_OPTION

}  // namespace

void registerBuiltinExplainers(ExplainerRegistry& reg) {
  auto add = [&](ExplainerInfo info) {
    const Status st = reg.add(std::move(info));
    (void)st;  // built-in names are distinct
  };
  add({"gradient",
       "Gradient",
       "vanilla gradient d f / d x (Simonyan et al. 2014)",
       "builtin",
       false,
       false,
       {},
       [](const ExplainRequest& r) {
         return vanillaGradient(*r.probe, *r.images, r.targets, r.kind);
       }});
  add({"gradient_x_input",
       "Gradient x input",
       "x * d f / d x",
       "builtin",
       false,
       false,
       {},
       [](const ExplainRequest& r) {
         return gradientTimesInput(*r.probe, *r.images, r.targets, r.kind);
       }});
  const std::vector<ExplainerOption> sg = {
      {"samples", "50", "noisy copies averaged"},
      {"noise", "0.15", "noise sigma as a fraction of the image's value range"}};
  add({"smoothgrad", "SmoothGrad", "mean gradient over noisy copies (Smilkov et al. 2017)",
       "builtin", false, false, sg,
       [](const ExplainRequest& r) { return runSmoothGrad(r, false); }});
  add({"smoothgrad_sq", "SmoothGrad-squared", "mean squared gradient over noisy copies", "builtin",
       false, false, sg, [](const ExplainRequest& r) { return runSmoothGrad(r, true); }});
  add({"ig",
       "Integrated Gradients",
       "path integral of gradients from the baseline (Sundararajan et al. 2017)",
       "builtin",
       false,
       false,
       {{"steps", "50", "quadrature points on the path"},
        {"quadrature", "gauss_legendre", "riemann (midpoints) or gauss_legendre"}},
       runIg});
  add({"gradient_shap",
       "GradientSHAP",
       "expected gradients over a background set",
       "builtin",
       false,
       false,
       {{"samples", "50", "(background, alpha) draws"},
        {"noise", "0", "Gaussian noise sigma added on the path, model units"}},
       runGradientShap});
  add({"gradcam",
       "Grad-CAM",
       "class activation map of a convolution (Selvaraju et al. 2017)",
       "builtin",
       false,
       true,
       {},
       [](const ExplainRequest& r) {
         return gradCam(*r.probe, *r.images, r.targets, r.kind, r.convNode);
       }});
  add({"occlusion",
       "Occlusion",
       "score drop when a window is set to the baseline",
       "builtin",
       false,
       false,
       {{"window", "4", "window side in pixels"}, {"stride", "2", "step between windows"}},
       runOcclusion});
  add({"shap",
       "KernelSHAP",
       "Shapley values of superpixels (Lundberg & Lee 2017)",
       "builtin",
       true,
       false,
       {{"coalitions", "2000", "model evaluations"}},
       runShap});
  add({"lime",
       "LIME",
       "local ridge surrogate over superpixels (Ribeiro et al. 2016)",
       "builtin",
       true,
       false,
       {{"samples", "1000", "perturbed images"},
        {"kernel_width", "0.25", "width of the exponential kernel on cosine distance"},
        {"ridge", "1", "L2 penalty of the surrogate"}},
       runLime});
  add({"random",
       "Random",
       "uniform noise: the control every method must beat",
       "builtin",
       false,
       false,
       {},
       runRandom});
}

}  // namespace loom
