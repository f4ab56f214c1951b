// An explanation job: several methods over several images, written to a directory — the
// work behind `loom explain` (and, later, the studio's "run over a class"). Images are done
// one at a time and each image's files are complete before the next starts, so a cancelled
// job leaves every finished image, a grid and the score tables of what was done.
//
// Output directory:
//   <stem>/image.png                 the input as seen by the model (display units)
//   <stem>/<method>.png, .npy        overlay and raw attribution map (engine/core/npy.h)
//   grid.png                         rows = images, columns = image then each method
//   scores.csv, scores.json          per (image, method): label, prediction, target, score,
//                                    baseline_score, completeness_gap, r2, deletion_auc,
//                                    insertion_auc (empty/null when the method has none)
// <stem> is the image's index, 4 digits, and its name: "0003_test_3", "0000_boot".
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"
#include "engine/explain/explanation.h"
#include "engine/explain/faithfulness.h"
#include "engine/explain/probe.h"
#include "engine/explain/render.h"
#include "engine/explain/superpixels.h"
#include "engine/graph/graph.h"

namespace loom {

/// One image to explain.
struct ExplainInput {
  std::string name;         ///< "test_17" or the file's stem
  Tensor x;                 ///< [C, H, W] model-input units (normalised)
  Tensor display;           ///< U8 [C, H, W] as a person sees it
  std::int64_t label = -1;  ///< true class when known
};

/// Reads an image file as an ExplainInput for a model whose input is [C, H, W] and whose
/// data is normalised per channel by (pixel / 255 - mean) / std. No resizing: the file must
/// have H x W pixels and C channels (1 grey, 3 colour, taken in RGB order like the
/// image-folder dataset). NotFound / DataCorrupt / InvalidArgument naming the file and the
/// values (its size and channels, the model's) otherwise.
Expected<ExplainInput> readExplainImage(const std::string& path, const Dims& sample,
                                        const std::vector<double>& mean,
                                        const std::vector<double>& std);

/// Sample `i` of a U8 image data set (`images` [N, C, H, W], `labels` I64 [N]) as an
/// ExplainInput named "test_<i>", normalised per channel by (pixel / 255 - mean) / std (the
/// last mean/std value serves channels beyond the list). The caller checks `i` is in range.
ExplainInput explainInputFromImages(const Tensor& images, const Tensor& labels, std::int64_t i,
                                    const std::vector<double>& mean,
                                    const std::vector<double>& std);

/// Progress in units of (image, method) pairs.
struct ExplainProgress {
  std::int64_t done = 0, total = 0;
  double seconds = 0;     ///< since the job started
  double etaSeconds = 0;  ///< by the average so far
  std::string current;    ///< "image 3/10, ig"
};

struct ExplainJobOptions {
  std::vector<std::string> methods;  ///< registry names, in column order
  /// Per method: option name -> value (ExplainerRegistry checks them).
  std::map<std::string, std::map<std::string, std::string>> methodOptions;
  std::optional<std::int64_t> targetClass;  ///< nullopt: the predicted class
  ScoreKind kind = ScoreKind::Logit;
  BaselineSpec baseline;
  std::string convNode;  ///< Grad-CAM's node; empty: the last Conv2D
  SuperpixelOptions superpixels;
  bool faithfulness = true;  ///< deletion/insertion AUC per (image, method)
  CurveOptions curves;
  std::vector<std::string> classNames;  ///< for labels in figures (may be empty)
  std::string outputDir;
  std::uint64_t seed = 0;
  std::int64_t memoryBudgetBytes = std::int64_t{512} << 20;
  std::vector<Backend*> backends;
  OverlayStyle style;
  const std::atomic<bool>* cancel = nullptr;  ///< checked between (image, method) pairs
  std::function<void(const ExplainProgress&)> onProgress;
};

struct ExplainJobResult {
  std::int64_t imagesDone = 0;
  bool cancelled = false;
  std::string gridPath, csvPath, jsonPath;
};

/// Checks everything that can be checked before any work (method names and options, the
/// target's range, Grad-CAM's node, the inputs' shapes, a baseline that equals an input for
/// Integrated Gradients), then runs. Errors name the image, method and value.
Expected<ExplainJobResult> runExplainJob(const Graph& graph, ParameterSet& params,
                                         const std::vector<ExplainInput>& inputs,
                                         const ExplainJobOptions& options);

}  // namespace loom
