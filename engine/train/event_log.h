// TrainingEventLog: what a Trainer writes into its run directory's TensorBoard event file
// (internal to engine/train; the tags and when each is written are in docs/runs.md, "Event
// files"). Every call on the training thread only copies numbers into the EventWriter's queue
// (engine/events/event_writer.h): binning, PNG encoding and I/O happen on its writer thread.
// Histograms come from the tensors the plan already has: activations and their gradients
// through the plan's tap (captured only on histogram steps), parameters and their gradients
// from the ParameterSet after the optimizer step; nothing is recomputed.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/data/dataset.h"
#include "engine/events/event_writer.h"
#include "engine/exec/parameters.h"
#include "engine/exec/plan.h"
#include "engine/graph/model.h"
#include "engine/train/train_events.h"
#include "engine/train/train_metrics.h"

namespace loom {

/// The tags the trainer writes (one place; docs/runs.md lists them). Per-step scalars take the
/// global step as TensorBoard's step; per-epoch ones the global step at the epoch's end.
namespace event_tags {
inline constexpr const char* kLossStep = "loss/train_step";          ///< batch loss
inline constexpr const char* kAccuracyStep = "accuracy/train_step";  ///< batch accuracy
inline constexpr const char* kLearningRate = "learning_rate";
inline constexpr const char* kSamplesPerSecond = "samples_per_second";
/// Data-parallel runs, every step, per rank: "workers/rank<r>/" + "step_ms", "data_wait_ms",
/// "allreduce_ms" (docs/distributed.md).
inline constexpr const char* kWorkers = "workers/rank";
inline constexpr const char* kLoss = "loss/";          ///< + "train", "validation", "test"
inline constexpr const char* kAccuracy = "accuracy/";  ///< + "train", "validation", "test"
inline constexpr const char* kEpoch = "epoch";         ///< 1-based epoch number at its end
inline constexpr const char* kEpochSeconds = "epoch_seconds";
inline constexpr const char* kConfusion = "confusion_matrix/";  ///< + split (text, Markdown)
inline constexpr const char* kProbeImage = "probe/";            ///< + 2-digit sample index (images)
inline constexpr const char* kProbeLabels = "probe/labels";     ///< text: true vs predicted
/// Images: + 2-digit sample index, the probe image's Integrated Gradients map over it
/// (attribution_log.h), every epoch.
inline constexpr const char* kProbeAttribution = "probe/attribution/";
inline constexpr const char* kModelSummary = "model/summary";  ///< text, once
inline constexpr const char* kActivation = "/activation";      ///< histograms: "<node>" + this
inline constexpr const char* kActivationGradient = "/activation_gradient";  ///< "<node>" + this
/// Histograms: "<node>/activation", "<node>/activation_gradient", "<param>/value",
/// "<param>/gradient" (param names are "<node>.<param>").
}  // namespace event_tags

/// Samples of the probe batch (test images logged with their predicted labels every epoch).
inline constexpr int kProbeSamples = 16;
/// Tensors with more elements are histogrammed from an evenly strided sample of this many
/// (the copy on the training thread stays bounded; the shape of the distribution is kept).
inline constexpr std::int64_t kHistogramSampleLimit = std::int64_t{1} << 16;

class TrainingEventLog {
 public:
  /// Opens a new event file in `runDir` and writes the model summary and the hyperparameters
  /// (hparams plugin), both from `model` (defaults applied) and `analysis`.
  static Expected<std::unique_ptr<TrainingEventLog>> open(const std::string& runDir,
                                                          const Model& model,
                                                          const GraphAnalysis& analysis,
                                                          std::int64_t histogramEvery);
  ~TrainingEventLog();

  /// The plan's tap: forwards to `user` (Trainer::setTap's) and, on histogram steps, copies
  /// activations and their gradients for the histograms.
  TensorTap tap(TensorTap user);
  /// Call before the step's forward pass: arms the tap when `globalStep` is a histogram step.
  void beginStep(std::int64_t globalStep);
  /// After the optimizer step of global step `globalStep` (1-based count of steps done):
  /// the per-step scalars and, on histogram steps, every histogram.
  void endStep(std::int64_t globalStep, double batchLoss, double batchAccuracy, double learningRate,
               double samplesPerSecond, const std::vector<Parameter>& params);
  /// Per-rank health of global step `globalStep` of a data-parallel run: for rank r,
  /// perRank[r] = {step, data wait, allreduce} in milliseconds.
  void workerHealth(std::int64_t globalStep, const std::vector<std::array<double, 3>>& perRank);
  /// An epoch's metrics (validation ones only when there is a validation split).
  void epoch(const EpochMetrics& m, std::int64_t globalStep);
  /// The test split's metrics at the end of the run.
  void test(const EvalMetrics& m, std::int64_t globalStep);
  /// A confusion matrix (row = true class, column = predicted), counts row-major.
  void confusion(const std::string& split, std::int64_t globalStep,
                 const std::vector<std::int64_t>& counts, const std::vector<std::string>& classes);
  /// The probe batch: raw samples of `data` at `indices` (U8 or F32 images) and predictions.
  void probe(std::int64_t globalStep, const Dataset& data, const std::vector<std::int64_t>& indices,
             const std::vector<std::int64_t>& predicted);
  /// An RGB U8 [3, H, W] image (a probe image's attribution overlay) under `tag`.
  void rgbImage(const std::string& tag, std::int64_t globalStep, const Tensor& rgb);
  /// A final status: the hparams plugin's session end (success, failure or unknown).
  void end(TrainStatus status);
  /// Waits for the writer; its first error, if any.
  Status flush();

 private:
  TrainingEventLog() = default;
  std::unique_ptr<events::EventWriter> m_writer;
  std::int64_t m_histogramEvery = 0;
  std::int64_t m_step = 0;
  bool m_capture = false;
  std::vector<std::pair<std::string, std::vector<float>>> m_captured;
};

/// Evenly strided sample of at most `limit` elements of an F32 tensor (all when smaller).
std::vector<float> sampleForHistogram(const Tensor& t, std::int64_t limit);

}  // namespace loom
