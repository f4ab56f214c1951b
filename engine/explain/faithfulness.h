// Faithfulness and sanity checks of attribution maps (docs/explain.md).
//
//   deletion curve    pixels ranked by attribution (largest first) are replaced by the
//                     baseline `steps` equal fractions at a time; the target's probability
//                     after each step. A faithful map makes it fall fast: lower AUC is better
//   insertion curve   the reverse: from the baseline, the top-ranked pixels are put back
//                     first; higher AUC is better
//   AUC               trapezoid rule over the fraction removed/inserted in [0, 1]
//   randomisation     (Adebayo et al. 2018) the model's parameterised layers are re-drawn from
//                     their initialisers one at a time from the top (output) layer down,
//                     cumulatively; after each, the maps are recomputed and compared with the
//                     trained model's by Spearman rank correlation. A method that explains
//                     the model must lose its correlation as layers are randomised.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/exec/parameters.h"
#include "engine/explain/explanation.h"
#include "engine/explain/probe.h"
#include "engine/graph/graph.h"

namespace loom {

struct CurveOptions {
  std::int64_t steps = 20;  ///< points besides the start
  BaselineSpec baseline;    ///< what a deleted pixel becomes / an inserted image starts from
  ScoreKind kind = ScoreKind::Probability;
};

struct Curves {
  /// Per input: steps + 1 scores, at fractions 0, 1/steps, ..., 1.
  std::vector<std::vector<double>> deletion, insertion;
  std::vector<double> deletionAuc, insertionAuc;
};

/// Both curves for the maps of `e` (its map [N, C|1, H, W]; a per-pixel rank sums channels).
Expected<Curves> deletionInsertion(ModelProbe& probe, const Tensor& x, const Explanation& e,
                                   const CurveOptions& options);

/// One method under the randomisation test: computes its maps with the probe (whose
/// parameters the test changes in place between calls).
struct RandomisationMethod {
  std::string name;
  std::function<Expected<Explanation>(ModelProbe&)> run;
};

/// One row of the randomisation table: the layers randomised so far (from the top) and, per
/// method, the mean over inputs of the Spearman correlation of |map| with the trained model's.
struct RandomisationRow {
  std::string layer;  ///< the layer randomised last ("(trained)" for the first row)
  std::map<std::string, double> spearman;
};

/// Cascading randomisation over the layers with trainable parameters of `graph`, top down.
/// `params` is restored before returning (also on error). Fresh values come from the ops'
/// initialisers with `seed`.
Expected<std::vector<RandomisationRow>> cascadingRandomisation(
    const Graph& graph, ParameterSet& params, ModelProbe& probe,
    const std::vector<RandomisationMethod>& methods, std::uint64_t seed);

/// Trapezoid area under `values` sampled at equal steps over [0, 1].
double areaUnderCurve(const std::vector<double>& values);

/// Spearman rank correlation (Pearson correlation of the ranks, ties given their mean rank).
double spearman(const std::vector<double>& a, const std::vector<double>& b);

/// The per-pixel saliency of input `i` of a map [N, C, H, W]: sum over channels (with
/// `absolute`, of |value|).
std::vector<double> pixelSaliency(const Tensor& map, std::int64_t i, bool absolute);

/// A map of i.i.d. uniform values with the dims of `like` (the "random map" of acceptance 2).
Tensor randomMap(const Dims& like, std::uint64_t seed);

}  // namespace loom
