// ExplainSession: a model compiled once for explaining one image at a time, in memory — the
// per-image step of an explanation job (job.h), for callers that show results instead of
// writing files (the studio's Inspect mode) as well as for runExplainJob itself, so both
// compute the same map for the same image, method, target and index.
//
// The session owns a ModelProbe (probe.h) that keeps Grad-CAM's convolution (the configured
// node, else the model's last Conv2D), so every registered method can run on it without a
// recompile. It is not thread-safe: use it from one thread at a time (the Inspect mode's
// worker thread; runExplainJob's caller).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"
#include "engine/explain/explanation.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/probe.h"
#include "engine/explain/superpixels.h"
#include "engine/graph/graph.h"

namespace loom {

struct ExplainInput;

/// What every explanation of a session shares (the same fields as ExplainJobOptions).
struct ExplainSessionOptions {
  ScoreKind kind = ScoreKind::Logit;
  BaselineSpec baseline;
  /// Grad-CAM's node; empty: the model's last Conv2D (a model with none refuses Grad-CAM
  /// when it is asked for, naming the reason, and runs every other method).
  std::string convNode;
  SuperpixelOptions superpixels;
  /// Adds "deletion_auc" and "insertion_auc" (curves per `curves`) to every explanation.
  bool faithfulness = true;
  CurveOptions curves;
  /// Per method: option name -> value (the registry checks names and values).
  std::map<std::string, std::map<std::string, std::string>> methodOptions;
  std::uint64_t seed = 0;
  std::int64_t memoryBudgetBytes = std::int64_t{512} << 20;
  std::vector<Backend*> backends;  ///< not owned; must outlive the session
};

class ExplainSession {
 public:
  /// Compiles `graph` with `params` (both must outlive the session). Errors as
  /// ModelProbe::create, and the score kind's (ModelProbe::checkScoreKind).
  static Expected<ExplainSession> create(const Graph& graph, ParameterSet& params,
                                         const ExplainSessionOptions& options);

  ModelProbe& probe() { return m_probe; }
  const ModelProbe& probe() const { return m_probe; }
  const ExplainSessionOptions& options() const { return m_options; }
  /// The convolution Grad-CAM explains ("" when the model has none).
  const std::string& convNode() const { return m_convNode; }

  /// Whether `method` can run here: it is registered, its options (from the session's
  /// methodOptions) are its own, and, for Grad-CAM, the node is a Conv2D of the model.
  /// InvalidArgument naming the method, option or node otherwise.
  Status checkMethod(const std::string& method) const;
  /// Whether `input` can be explained by `method`: its dims are the model's input
  /// (ShapeMismatch naming the image and both shapes) and, for Integrated Gradients, the
  /// baseline differs from it (InvalidArgument naming the image and the baseline).
  Status checkInput(const ExplainInput& input, const std::string& method) const;

  /// The model's output row [classes] for one input [C, H, W] (logits or probabilities, as
  /// the output node gives them).
  Expected<std::vector<float>> outputs(const Tensor& x);

  /// Explains `input` by `method` for class `target`: checkMethod, checkInput and the
  /// target's range (ModelProbe::checkClass) first, then the registry's explainer, then the
  /// faithfulness curves. Superpixels (for the methods that need them) are computed from
  /// input.display. `index` seeds the method's randomness (SmoothGrad's noise, sampled
  /// coalitions): the same input, method, target and index give the same map.
  Expected<Explanation> explain(const ExplainInput& input, std::int64_t index,
                                const std::string& method, std::int64_t target);

 private:
  ExplainSession(ModelProbe probe, ExplainSessionOptions options, std::string convNode,
                 Status convStatus);

  ModelProbe m_probe;
  ExplainSessionOptions m_options;
  std::string m_convNode;
  Status m_convStatus;  // why Grad-CAM cannot run (OK when it can)
};

}  // namespace loom
