// Explanation: what every method of engine/explain returns, and the baselines (reference
// inputs) the path and perturbation methods share.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// Attributions of N inputs for one method.
struct Explanation {
  std::string method;  ///< the registry name, e.g. "integrated_gradients"
  /// [N, C, H, W] (one value per input element) or [N, 1, H, W] (one per pixel: Grad-CAM,
  /// occlusion and the superpixel methods). Larger = more evidence for the target.
  Tensor map;
  std::vector<std::int64_t> targets;  ///< the class explained, per input
  std::vector<double> scores;         ///< f(x): the target's score, per input
  /// Per-input numbers a method reports, by name (the one list is kExplanationMetrics):
  /// "baseline_score", "completeness_gap", "r2", "deletion_auc", "insertion_auc".
  std::map<std::string, std::vector<double>> metrics;
  /// Per-input superpixel labels [N, 1, H, W] (label values as floats) and coefficients
  /// (one vector per input) of the superpixel methods; empty otherwise.
  Tensor segments;
  std::vector<std::vector<double>> coefficients;
};

/// The metric names an Explanation may carry, in the order reports list them.
inline const std::vector<std::string> kExplanationMetrics = {"baseline_score", "completeness_gap",
                                                             "r2", "deletion_auc", "insertion_auc"};

/// The reference input x' of Integrated Gradients, occlusion, KernelSHAP and LIME ("what
/// the image looks like with the evidence removed").
enum class BaselineKind { Black, Blurred, UniformNoise, DatasetMean };

/// "black", "blurred", "uniform_noise", "dataset_mean" (the one list of names).
const std::vector<std::pair<std::string, BaselineKind>>& baselineNames();
const char* baselineName(BaselineKind kind);
Expected<BaselineKind> parseBaseline(const std::string& text);

struct BaselineSpec {
  BaselineKind kind = BaselineKind::Black;
  /// The model-input values of a black and of a white pixel, per channel (one value: all
  /// channels). With normalisation (x - mean) / std they are -mean/std and (1 - mean)/std.
  std::vector<float> black = {0.0f};
  std::vector<float> white = {1.0f};
  double blurSigma = 5.0;  ///< Blurred: Gaussian sigma in pixels
  std::uint64_t seed = 0;  ///< UniformNoise: the noise (uniform between black and white)
  Tensor datasetMean;      ///< DatasetMean: [C, H, W]
};

/// The baseline of input `x` ([C, H, W] floats; sample dims `dims`) written to `dst`.
/// InvalidArgument when a DatasetMean spec has no mean of dims `dims`.
Status makeBaseline(const BaselineSpec& spec, const Dims& dims, const float* x, std::int64_t index,
                    float* dst);

}  // namespace loom
