// Plan: a Graph compiled for one input shape and mode, ready to run many steps.
//
// compile() takes the graph's analysis at the plan's batch size (or analyses the graph
// itself when given none), asks the backends (in priority order) for a kernel per node,
// allocates every activation and gradient buffer once, and inserts layout conversions only
// where a producer's layout differs from what a consumer wants (the oneDNN backend keeps
// NHWC activations from the first conv to the flatten).
//
// Parameters are owned by a ParameterSet shared with the optimizer and checkpoints; the
// plan holds pointers into it. A plan is not thread-safe; run it from one thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/exec/parameters.h"
#include "engine/graph/analysis.h"
#include "engine/graph/graph.h"

namespace loom {

struct PlanOptions {
  std::int64_t batch = 1;
  bool training = true;  ///< false: inference only, no gradient buffers
  /// Backends in priority order; the reference backend is always appended as the fallback.
  /// Not owned; they must outlive the plan (kernels may refer to them).
  std::vector<Backend*> backends;
  /// The graph analysed at `batch` (analyzeGraph, or analysisForBatch from an analysis at
  /// another batch size). Shared, never copied: a trainer analyses its graph once and
  /// hands the same analysis to its training plan and its evaluation plan of that size.
  /// Null: compile() analyses the graph itself.
  std::shared_ptr<const GraphAnalysis> analysis;

  // What backward() of a training plan computes. A trainer wants the parameters' gradients;
  // an explanation (engine/explain) wants the gradient with respect to the input and to
  // chosen activations for one output score, and nothing else.
  /// false: backward() leaves every Parameter::grad untouched and runs no backward-weights
  /// kernel (only the data gradients the options below need).
  bool parameterGradients = true;
  /// true: backward() also reaches every Input node; read it with gradient(inputName).
  bool inputGradients = false;
  /// Nodes whose output gradient stays readable with gradient() after backward(): their
  /// gradient buffers are not shared with other nodes'. Unknown names are InvalidArgument.
  std::vector<std::string> keepGradients;
  /// Nodes whose forward runs in inference mode even in a training forward (the frozen nodes
  /// of transfer learning, engine/train/freeze.h: BatchNorm normalises with its running
  /// statistics and keeps them, Dropout passes through). Unknown names are InvalidArgument.
  std::vector<std::string> inferenceNodes;
  /// true: the parameters' values do not change between calls except where the caller says
  /// so with Plan::parametersChanged(), so kernels may keep converted copies of them (an
  /// explanation runs thousands of steps on fixed weights; reordering the CNN's Dense
  /// weights into oneDNN's blocked format cost 10 % of each step). A trainer, whose
  /// optimizer writes the parameters every step, leaves it false.
  bool constantParameters = false;
};

/// `base` (a valid analysis of `graph`) re-derived for another batch size without analysing
/// the graph again: the topological order, the ops, the resolved attributes and the output
/// node are reused; only shape and cost inference run again (linear in nodes and edges).
/// Equal to analyzeGraph(graph, registry, batch) for every graph analyzeGraph accepts. If
/// `base` has an error, the result is a copy of `base`.
GraphAnalysis analysisForBatch(const Graph& graph, const GraphAnalysis& base, std::int64_t batch);

/// What the executor decided for one node (for `loom info --kernels` and the studio).
struct NodeKernelInfo {
  std::string node;
  std::string impl;                   ///< Kernel::implName()
  std::vector<std::string> declined;  ///< "<backend>: <reason>" for each backend that declined
};

/// Time spent in one node's kernels since profiling was enabled.
struct NodeTiming {
  std::string node;
  std::string impl;
  double forwardSeconds = 0;
  double backwardSeconds = 0;
  std::int64_t calls = 0;  ///< forward calls
};

/// Called after each node's forward (isGradient=false) and backward (true).
using TensorTap =
    std::function<void(const std::string& node, const Tensor& value, bool isGradient)>;

class Plan {
 public:
  Plan();
  ~Plan();
  Plan(Plan&&) noexcept;
  Plan& operator=(Plan&&) noexcept;

  /// Compiles `graph` for options.batch. `params` must outlive the plan and keep its
  /// parameters in place (the plan holds pointers to them). InvalidArgument when
  /// options.analysis is for another graph size or batch size; the analysis' own error
  /// (naming the node) when the graph is invalid; ModelMismatch for a missing or
  /// mis-shaped parameter.
  static Expected<Plan> compile(const Graph& graph, ParameterSet& params,
                                const PlanOptions& options);

  /// Runs forward. `inputs` maps Input node names to batches of the compiled shape
  /// (Plain layout). `rngKey` keys stochastic ops for this step.
  Status forward(const std::map<std::string, const Tensor*>& inputs, bool training,
                 std::uint64_t rngKey);
  /// The output node's activation from the last forward (Plain layout).
  const Tensor& output();
  /// Backpropagates `diffOutput` (dims of output(), Plain) and writes every trainable
  /// parameter's grad (overwriting).
  Status backward(const Tensor& diffOutput);

  /// The output of `node` from the last forward, as a Plain copy. Training plans keep every
  /// activation; an inference plan only its output node's (InvalidArgument for another).
  /// InvalidArgument naming the node when the plan has no such node.
  Expected<Tensor> activation(const std::string& node) const;
  /// d(sum(output * diffOutput)) / d(output of `node`) from the last backward(), as a Plain
  /// copy of the node's output dims; zeros when no gradient reached the node. The node must
  /// be named in PlanOptions::keepGradients, or be an Input of a plan compiled with
  /// inputGradients; InvalidArgument (naming the node and the option) otherwise.
  Expected<Tensor> gradient(const std::string& node) const;

  /// Scans parameters and every activation of the last forward for NaN/Inf in
  /// topological order and returns NonFinite naming the first node at fault (OK if none).
  /// Exact for training plans, which keep every activation; an inference plan reuses
  /// activation memory, so there it can only vouch for the output.
  Status checkFinite() const;
  /// For diagnosis after a non-finite result of an inference plan, where checkFinite()
  /// cannot look at overwritten activations: runs forward on `inputs` again (inference
  /// mode) and checks each node's parameters and output right after the node ran. Returns
  /// NonFinite naming the first node at fault, OK if none. Scans every tensor: slow.
  Status locateNonFinite(const std::map<std::string, const Tensor*>& inputs);

  /// Bytes of the buffers packed by lifetime: activations of an inference plan, gradients
  /// of a training plan (plus per-edge gradient buffers).
  std::int64_t sharedBufferBytes() const;

  /// The parameters' values were changed in place (a checkpoint loaded, layers
  /// randomised): the next call converts them again. Required after such a change when the
  /// plan was compiled with PlanOptions::constantParameters; harmless otherwise.
  void parametersChanged();

  void setTap(TensorTap tap);
  /// Times every kernel call (and the layout conversions, attributed to the consumer).
  /// Costs two clock reads per node; off by default.
  void setProfiling(bool enabled);
  std::vector<NodeTiming> timings() const;
  const std::vector<NodeKernelInfo>& kernelInfo() const;
  /// The analysis the plan was compiled from (the one in PlanOptions::analysis, if given).
  const GraphAnalysis& analysis() const;
  std::shared_ptr<const GraphAnalysis> sharedAnalysis() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace loom
