// ModelProbe: a model compiled once for explanations, which streams any number of inputs
// through it in chunks and hands back, per input, the score of a chosen class and the
// gradient of that score with respect to the input (and to chosen nodes' activations).
//
// Every explanation method of engine/explain is written over this one object: gradient
// methods ask for gradients, perturbation methods (occlusion, KernelSHAP, LIME, deletion
// curves) for scores only. Inputs are produced by a callback one at a time, so a method that
// evaluates 2,000 perturbed images never holds more than one chunk of them: the chunk size
// (the plans' batch) is derived from ProbeOptions::memoryBudgetBytes.
//
// Two plans are compiled on first use and reused for every later call: an inference plan for
// scores, and a training plan with parameterGradients = false and inputGradients = true for
// gradients (PlanOptions in engine/exec/plan.h). Both run forward in inference mode
// (Dropout off, BatchNorm on its running statistics), so a sample's score never depends on the
// other samples of its chunk; the last chunk is padded with zeros whose results are dropped.
//
// The probe holds pointers to the graph and the parameters, which must outlive it; it is not
// thread-safe. Its plans keep converted copies of the weights between calls
// (PlanOptions::constantParameters): whoever changes the parameters' values in place while
// the probe lives (the randomisation test of faithfulness.h does) calls parametersChanged().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"
#include "engine/graph/graph.h"

namespace loom {

/// What is explained: the output node's value itself (a logit, for a classifier whose last
/// node is Dense) or its softmax probability. A model whose output node is a Softmax already
/// outputs probabilities; it accepts only Probability.
enum class ScoreKind { Logit, Probability };

/// "logit" / "probability" (and back; nullopt-like InvalidArgument for other text).
const char* scoreKindName(ScoreKind kind);
Expected<ScoreKind> parseScoreKind(const std::string& text);

struct ProbeOptions {
  /// Backends in priority order (not owned; they must outlive the probe). Empty: reference only.
  std::vector<Backend*> backends;
  /// Bytes the two plans' buffers and one chunk of inputs may take together. The chunk size
  /// is the largest batch (at most maxBatch, at least 1) whose estimate fits.
  std::int64_t memoryBudgetBytes = std::int64_t{512} << 20;
  std::int64_t maxBatch = 64;
  /// Nodes whose activation and gradient each gradient chunk hands over (Grad-CAM's conv).
  std::vector<std::string> keepNodes;
};

/// One chunk of results. Rows [0, count) belong to inputs first .. first + count - 1.
struct ProbeChunk {
  std::int64_t first = 0;
  std::int64_t count = 0;
  const Tensor* outputs = nullptr;      ///< the output node, [batch, classes]
  std::vector<double> scores;           ///< per row: the target's score
  const Tensor* inputGrad = nullptr;    ///< [batch, sample...]: d score / d input (gradients only)
  std::map<std::string, Tensor> acts;   ///< keepNodes' activations [batch, ...] (gradients only)
  std::map<std::string, Tensor> grads;  ///< keepNodes' gradients (gradients only)
};

/// Writes input `i` (sampleSize() floats, the input node's [C, H, W] order) into `dst`.
using ProbeInputFn = std::function<void(std::int64_t i, float* dst)>;
/// The class whose score input `i` is explained by.
using ProbeClassFn = std::function<std::int64_t(std::int64_t i)>;
/// Receives each chunk; a non-OK status stops the stream and is returned.
using ProbeChunkFn = std::function<Status(const ProbeChunk& chunk)>;

class ModelProbe {
 public:
  ModelProbe();
  ~ModelProbe();
  ModelProbe(ModelProbe&&) noexcept;
  ModelProbe& operator=(ModelProbe&&) noexcept;

  /// Checks that the graph has exactly one Input and a rank-2 output [batch, classes], and
  /// chooses the chunk size. InvalidArgument naming the node otherwise; the graph's own
  /// analysis error when it is invalid.
  static Expected<ModelProbe> create(const Graph& graph, ParameterSet& params,
                                     const ProbeOptions& options);

  const std::string& inputName() const;
  const std::string& outputName() const;
  /// Per-sample input dims without the batch ([C, H, W] for images) and their product.
  const Dims& sampleDims() const;
  std::int64_t sampleSize() const;
  std::int64_t classes() const;
  std::int64_t chunkSize() const;
  /// True when the output node is a Softmax (its values are probabilities).
  bool outputIsProbability() const;
  /// Names and ops of the nodes in topological order (Grad-CAM looks for convolutions).
  const std::vector<std::pair<std::string, std::string>>& nodeOps() const;

  /// InvalidArgument naming `kind` when the output cannot give it (Logit of a Softmax output).
  Status checkScoreKind(ScoreKind kind) const;
  /// InvalidArgument "target class C is out of range: the model has K classes (0..K-1)".
  Status checkClass(std::int64_t cls) const;

  /// Forward only, in inference mode: the output and the target's score of every input.
  Status scores(std::int64_t count, const ProbeInputFn& input, const ProbeClassFn& cls,
                ScoreKind kind, const ProbeChunkFn& take);
  /// Forward and backward: additionally d score / d input and the keepNodes' tensors.
  Status gradients(std::int64_t count, const ProbeInputFn& input, const ProbeClassFn& cls,
                   ScoreKind kind, const ProbeChunkFn& take);

  /// Convenience over scores(): the outputs [count, classes] of `x` [count, sample...].
  Expected<Tensor> outputs(const Tensor& x);
  /// The argmax class of each row of `outputs` [N, classes].
  static std::vector<std::int64_t> argmax(const Tensor& outputs);

  /// Forward and backward passes run so far (for benchmarks and tests of chunking).
  std::int64_t passes() const;
  /// The parameters' values changed in place: the next pass converts the weights again.
  void parametersChanged();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The score of class `cls` from one output row of `classes` values: the value itself, or
/// its softmax probability when `kind` is Probability and the output is not one already.
double scoreOf(const float* row, std::int64_t classes, std::int64_t cls, ScoreKind kind,
               bool outputIsProbability);
/// d score / d row for the same score, written to `diff` (classes floats).
void scoreGradient(const float* row, std::int64_t classes, std::int64_t cls, ScoreKind kind,
                   bool outputIsProbability, float* diff);

}  // namespace loom
