// The executor. See plan.h for the contract; docs/architecture.md for the design.
//
// Buffers: every node owns its output (in the layout its kernel writes) and, in training
// plans, the gradient of that output. Both are allocated once in compile() and never
// reallocated, so kernels may cache memory objects bound to them. Where a consumer wants
// another layout than its producer wrote, the plan owns a conversion buffer for that edge;
// a rank-4 tensor with one channel is the same bytes in NCHW and NHWC and is relabelled
// instead of copied.
#include "engine/exec/plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

namespace loom {

namespace {

/// dst += src, converting src's layout if needed.
void accumulate(Tensor& dst, const Tensor& src) {
  const Tensor s = src.toLayout(dst.layout());  // no copy when the layouts agree
  float* d = dst.f32();
  const float* x = s.f32();
  const std::int64_t n = dst.numel();
#pragma omp parallel for simd if (n > 65536)
  for (std::int64_t i = 0; i < n; ++i) d[i] += x[i];
}

/// A view of `t` relabelled to `layout` without copying (only valid when the bytes agree).
Tensor relabelled(const Tensor& t, Layout layout) {
  Tensor v = t;
  if (v.rank() == 4) v.setLayout(layout);
  return v;
}

/// One buffer's lifetime on the plan's timeline (inclusive), and where to put its view.
struct BufferUse {
  std::int64_t first = 0, last = 0;
  Tensor* target = nullptr;  ///< replaced by a view of a shared block
};

/// Greedy interval packing: uses whose lifetimes do not overlap share one block. Blocks
/// are handed out best-fit by size; returns the bytes allocated in total.
std::int64_t packBuffers(std::vector<BufferUse> uses) {
  std::sort(uses.begin(), uses.end(), [](const BufferUse& a, const BufferUse& b) {
    return a.first != b.first ? a.first < b.first : a.target->bytes() > b.target->bytes();
  });
  struct Block {
    Tensor storage;
    std::int64_t busyUntil = -1;
  };
  std::vector<Block> blocks;
  std::int64_t total = 0;
  for (auto& use : uses) {
    const size_t need = use.target->bytes();
    Block* best = nullptr;
    for (auto& b : blocks)
      if (b.busyUntil < use.first && b.storage.bytes() >= need &&
          (!best || b.storage.bytes() < best->storage.bytes()))
        best = &b;
    if (!best) {
      blocks.push_back({Tensor(Dims{static_cast<std::int64_t>((need + 3) / 4)}), -1});
      best = &blocks.back();
      total += static_cast<std::int64_t>(best->storage.bytes());
    }
    best->busyUntil = use.last;
    *use.target = best->storage.viewAs(use.target->dims(), use.target->layout());
  }
  return total;
}

/// True when the batch size of `a` is `batch` (read off its Input nodes).
bool analysedAtBatch(const GraphAnalysis& a, std::int64_t batch) {
  for (const auto& na : a.nodes)
    if (na.op && na.op->schema().name == "Input" && !na.shape.output.empty() &&
        na.shape.output[0] != batch)
      return false;
  return true;
}

}  // namespace

GraphAnalysis analysisForBatch(const Graph& graph, const GraphAnalysis& base, std::int64_t batch) {
  if (!base.status.isOk() || base.nodes.size() != graph.nodes().size()) return base;
  GraphAnalysis result;
  result.order = base.order;
  result.outputNode = base.outputNode;
  result.nodes.resize(base.nodes.size());
  const auto& nodes = graph.nodes();
  std::map<std::string, int> indexOfName;
  for (size_t i = 0; i < nodes.size(); ++i) indexOfName[nodes[i].name] = static_cast<int>(i);
  for (int idx : result.order) {
    const Node& node = nodes[static_cast<size_t>(idx)];
    const NodeAnalysis& old = base.nodes[static_cast<size_t>(idx)];
    NodeAnalysis& na = result.nodes[static_cast<size_t>(idx)];
    na.op = old.op;
    na.attrs = old.attrs;
    bool inputsOk = true;
    for (const auto& in : node.inputs) {
      const NodeAnalysis& src = result.nodes[static_cast<size_t>(indexOfName.at(in))];
      if (!src.status.isOk()) {
        na.status =
            Status(ErrorCode::InvalidGraph, nodeLabel(node) + ": input \"" + in + "\" is invalid");
        inputsOk = false;
        break;
      }
      na.inputDims.push_back(src.shape.output);
    }
    if (!inputsOk) continue;
    const bool isInput = na.op->schema().name == "Input";
    auto shapeOr =
        na.op->inferShapes(isInput ? std::vector<Dims>{Dims{batch}} : na.inputDims, na.attrs);
    if (!shapeOr) {
      na.status = shapeOr.status().withContext(nodeLabel(node));
      if (result.status.isOk()) result.status = na.status;
      continue;
    }
    na.shape = std::move(*shapeOr);
    na.cost = na.op->cost(na.inputDims, na.shape, na.attrs);
    result.total.params += na.cost.params;
    result.total.flops += na.cost.flops;
    result.total.activationBytes += na.cost.activationBytes;
    for (const auto& p : na.shape.params) result.parameterBytes += numElements(p.dims) * 4;
  }
  return result;
}

struct Plan::Impl {
  struct Edge {
    int producer = -1;       ///< index into steps
    bool convert = false;    ///< forward needs a layout conversion into `converted`
    Tensor converted;        ///< src as the consumer wants it (or a relabelled view)
    bool needsGrad = false;  ///< backward computes diffSrc for this edge
    bool direct = false;     ///< diffSrc is written straight into the producer's diffDst
    Tensor diffSrc;          ///< own buffer when !direct
  };
  struct Step {
    int node = -1;
    std::string name;
    std::string label;  ///< `node "conv1" (Conv2D)` for messages
    const Op* op = nullptr;
    Attrs attrs;
    std::unique_ptr<Kernel> kernel;
    Tensor dst;
    Tensor diffDst;
    bool requiresGrad = false;  ///< has trainable params or a trainable ancestor (or is an
                                ///< Input of a plan with inputGradients)
    bool keepGradient = false;  ///< diffDst has its own buffer (PlanOptions::keepGradients)
    bool inference = false;     ///< forward always in inference mode (PlanOptions::inferenceNodes)
    int consumerEdges = 0;
    int gradContributions = 0;  ///< reset every backward
    std::vector<Edge> edges;
    std::vector<Parameter*> params;
    std::vector<Tensor> saved;
    KernelArgs args;  ///< pointers rebuilt once in compile()
    double forwardSeconds = 0, backwardSeconds = 0;
    std::int64_t calls = 0;
  };

  std::shared_ptr<const GraphAnalysis> analysis;
  std::vector<Step> steps;  // topological order
  std::map<std::string, int> inputSteps;
  std::map<std::string, int> stepOfName;
  int outputStep = -1;
  Tensor outputPlain;
  bool trainingPlan = false;
  std::vector<NodeKernelInfo> kernelInfo;
  TensorTap tap;
  bool profiling = false;
  std::int64_t bufferBytes = 0;  ///< activations or gradients after sharing (see compile)
  std::unique_ptr<Backend> reference = makeReferenceBackend();

  Status runForward(const std::map<std::string, const Tensor*>& inputs, bool training,
                    std::uint64_t rngKey, bool checkEachNode);
};

namespace {
/// NonFinite naming `step` if one of its parameters or its output holds NaN or Inf.
template <typename Step>
Status checkStepFinite(const Step& step) {
  for (const Parameter* p : step.params) {
    const float* v = p->value.f32();
    for (std::int64_t i = 0; i < p->value.numel(); ++i)
      if (!std::isfinite(v[i]))
        return Status(ErrorCode::NonFinite, step.label + ": parameter \"" + p->name + "\" holds " +
                                                (std::isnan(v[i]) ? "NaN" : "Inf") +
                                                " at element " + std::to_string(i));
  }
  const float* d = step.dst.f32();
  for (std::int64_t i = 0; i < step.dst.numel(); ++i)
    if (!std::isfinite(d[i]))
      return Status(ErrorCode::NonFinite, step.label + " produced " +
                                              (std::isnan(d[i]) ? "NaN" : "Inf") +
                                              " in its output " + dimsToString(step.dst.dims()));
  return Status::ok();
}
}  // namespace

Plan::Plan() : m_impl(std::make_unique<Impl>()) {}
Plan::~Plan() = default;
Plan::Plan(Plan&&) noexcept = default;
Plan& Plan::operator=(Plan&&) noexcept = default;

Expected<Plan> Plan::compile(const Graph& graph, ParameterSet& params, const PlanOptions& options) {
  Plan plan;
  Impl& im = *plan.m_impl;
  im.trainingPlan = options.training;
  if (options.analysis) {
    if (options.analysis->nodes.size() != graph.nodes().size() ||
        !analysedAtBatch(*options.analysis, options.batch))
      return invalidArgument("Plan::compile: the analysis given is not of this graph at batch " +
                             std::to_string(options.batch));
    im.analysis = options.analysis;
  } else {
    im.analysis = std::make_shared<const GraphAnalysis>(
        analyzeGraph(graph, OpRegistry::global(), options.batch));
  }
  const GraphAnalysis& analysis = *im.analysis;
  LOOM_RETURN_IF_ERROR(analysis.status);

  const auto& nodes = graph.nodes();
  std::vector<int> stepOfNode(nodes.size(), -1);
  std::vector<Backend*> backends = options.backends;
  backends.push_back(im.reference.get());

  // A set: a frozen imported network may name thousands of nodes here.
  const std::set<std::string> inferenceNodes(options.inferenceNodes.begin(),
                                             options.inferenceNodes.end());
  for (int nodeIndex : analysis.order) {
    const Node& node = nodes[static_cast<size_t>(nodeIndex)];
    const NodeAnalysis& na = analysis.nodes[static_cast<size_t>(nodeIndex)];
    Impl::Step step;
    step.node = nodeIndex;
    step.name = node.name;
    step.label = nodeLabel(node);
    step.op = na.op;
    step.attrs = na.attrs;
    for (const auto& info : na.shape.params) {
      Parameter* p = params.find(node.name + "." + info.name);
      if (!p)
        return Status(ErrorCode::ModelMismatch, step.label + ": parameter \"" + node.name + "." +
                                                    info.name + "\" is missing");
      if (p->value.dims() != info.dims)
        return Status(ErrorCode::ModelMismatch,
                      step.label + ": parameter \"" + p->name + "\" has shape " +
                          dimsToString(p->value.dims()) + " but the node needs " +
                          dimsToString(info.dims));
      step.params.push_back(p);
      step.requiresGrad |= p->trainable && options.parameterGradients;
    }
    const bool isInput = na.op->schema().name == "Input";
    if (isInput && options.inputGradients) step.requiresGrad = true;
    step.keepGradient = (isInput && options.inputGradients) ||
                        std::find(options.keepGradients.begin(), options.keepGradients.end(),
                                  node.name) != options.keepGradients.end();
    step.inference = inferenceNodes.count(node.name) > 0;
    KernelRequest request;
    request.op = na.op;
    request.attrs = &step.attrs;
    request.inputDims = na.inputDims;
    request.shape = &na.shape;
    request.training = options.training;
    request.constantParameters = options.constantParameters;
    for (const auto& in : node.inputs) {
      const Impl::Step& producer =
          im.steps[static_cast<size_t>(stepOfNode[static_cast<size_t>(graph.indexOf(in))])];
      request.needsDiffSrc.push_back(options.training && producer.requiresGrad);
      step.requiresGrad |= producer.requiresGrad;
    }
    step.requiresGrad &= options.training;

    NodeKernelInfo info{node.name, "", {}};
    for (Backend* backend : backends) {
      auto kernel = backend->createKernel(request);
      if (kernel) {
        step.kernel = std::move(*kernel);
        info.impl = step.kernel->implName();
        break;
      }
      info.declined.push_back(backend->name() + ": " + kernel.status().message());
    }
    if (!step.kernel) return internalError(step.label + ": no backend accepted the node");
    im.kernelInfo.push_back(info);

    const Layout outLayout =
        na.shape.output.size() == 4 ? step.kernel->outputLayout() : Layout::Plain;
    step.dst = Tensor(na.shape.output, DType::F32, outLayout);
    if (step.requiresGrad) step.diffDst = Tensor(na.shape.output, DType::F32, outLayout);

    for (size_t i = 0; i < node.inputs.size(); ++i) {
      Impl::Edge edge;
      edge.producer = stepOfNode[static_cast<size_t>(graph.indexOf(node.inputs[i]))];
      edge.needsGrad = request.needsDiffSrc[i];
      ++im.steps[static_cast<size_t>(edge.producer)].consumerEdges;
      step.edges.push_back(std::move(edge));
    }
    if (isInput) im.inputSteps[node.name] = static_cast<int>(im.steps.size());
    im.stepOfName[node.name] = static_cast<int>(im.steps.size());
    stepOfNode[static_cast<size_t>(nodeIndex)] = static_cast<int>(im.steps.size());
    im.steps.push_back(std::move(step));
  }

  im.outputStep = stepOfNode[static_cast<size_t>(graph.indexOf(analysis.outputNode))];
  for (const auto& name : options.keepGradients)
    if (!im.stepOfName.count(name))
      return invalidArgument("Plan::compile: keepGradients names node \"" + name +
                             "\", which the graph does not have");
  for (const auto& name : options.inferenceNodes)
    if (!im.stepOfName.count(name))
      return invalidArgument("Plan::compile: inferenceNodes names node \"" + name +
                             "\", which the graph does not have");

  // Memory: buffers whose lifetimes are disjoint share storage (before any view of them
  // is taken below). Inference: an activation lives from its producer to its last
  // consumer. Training keeps every activation (backward reads them) but packs gradients:
  // on the backward timeline a node's gradient lives from its first consumer's backward
  // to its own.
  {
    const auto n = static_cast<std::int64_t>(im.steps.size());
    std::vector<std::int64_t> lastConsumer(im.steps.size(), -1);
    for (std::int64_t s = 0; s < n; ++s)
      for (const auto& e : im.steps[static_cast<size_t>(s)].edges)
        lastConsumer[static_cast<size_t>(e.producer)] = s;
    const auto outputIndex = static_cast<size_t>(im.outputStep);
    std::vector<BufferUse> uses;
    if (!options.training) {
      for (std::int64_t s = 0; s < n; ++s) {
        auto last = s == static_cast<std::int64_t>(outputIndex)
                        ? n
                        : std::max(s, lastConsumer[static_cast<size_t>(s)]);
        uses.push_back({s, last, &im.steps[static_cast<size_t>(s)].dst});
      }
    } else {
      for (std::int64_t s = 0; s < n; ++s) {
        auto& step = im.steps[static_cast<size_t>(s)];
        if (step.diffDst.empty() || step.keepGradient) continue;
        const std::int64_t own = n - 1 - s;  // backward time of this node
        std::int64_t first = own;
        if (s == static_cast<std::int64_t>(outputIndex)) first = 0;
        if (lastConsumer[static_cast<size_t>(s)] >= 0)
          first = std::min(first, n - 1 - lastConsumer[static_cast<size_t>(s)]);
        uses.push_back({first, own, &step.diffDst});
      }
    }
    im.bufferBytes = packBuffers(std::move(uses));
  }

  // Second pass: layouts of edges, gradient routing, and the kernel argument blocks.
  for (auto& step : im.steps) {
    KernelArgs& a = step.args;
    a.attrs = &step.attrs;
    a.dst = &step.dst;
    a.saved = &step.saved;
    for (Parameter* p : step.params) {
      a.params.push_back(&p->value);
      a.diffParams.push_back(
          p->trainable && options.training && options.parameterGradients ? &p->grad : nullptr);
    }
    for (size_t i = 0; i < step.edges.size(); ++i) {
      Impl::Edge& e = step.edges[i];
      Impl::Step& producer = im.steps[static_cast<size_t>(e.producer)];
      const Layout want =
          producer.dst.rank() == 4 ? step.kernel->inputLayout(static_cast<int>(i)) : Layout::Plain;
      if (want == producer.dst.layout()) {
        a.src.push_back(&producer.dst);
      } else if (layoutsShareBytes(producer.dst.dims())) {
        e.converted = relabelled(producer.dst, want);
        a.src.push_back(&e.converted);
      } else {
        e.convert = true;
        e.converted = Tensor(producer.dst.dims(), DType::F32, want);
        a.src.push_back(&e.converted);
      }
      if (!e.needsGrad) {
        a.diffSrc.push_back(nullptr);
        continue;
      }
      const bool layoutsAgree =
          want == producer.diffDst.layout() || layoutsShareBytes(producer.dst.dims());
      if (producer.consumerEdges == 1 && layoutsAgree) {
        e.direct = true;
        e.diffSrc = relabelled(producer.diffDst, want);
      } else {
        e.diffSrc = Tensor(producer.dst.dims(), DType::F32, want);
        im.bufferBytes += static_cast<std::int64_t>(e.diffSrc.bytes());
      }
      a.diffSrc.push_back(&e.diffSrc);
    }
    a.diffDst = step.requiresGrad ? &step.diffDst : nullptr;
  }

  im.outputPlain = Tensor(im.steps[static_cast<size_t>(im.outputStep)].dst.dims());
  return plan;
}

Status Plan::forward(const std::map<std::string, const Tensor*>& inputs, bool training,
                     std::uint64_t rngKey) {
  return m_impl->runForward(inputs, training, rngKey, false);
}

Status Plan::locateNonFinite(const std::map<std::string, const Tensor*>& inputs) {
  return m_impl->runForward(inputs, false, 0, true);
}

Status Plan::Impl::runForward(const std::map<std::string, const Tensor*>& inputs, bool training,
                              std::uint64_t rngKey, bool checkEachNode) {
  Impl& im = *this;
  if (training && !im.trainingPlan) return internalError("forward(training) on an inference plan");
  for (const auto& [name, stepIndex] : im.inputSteps) {
    auto it = inputs.find(name);
    Impl::Step& step = im.steps[static_cast<size_t>(stepIndex)];
    if (it == inputs.end() || it->second == nullptr)
      return invalidArgument("no data for input node \"" + name + "\"");
    const Tensor& x = *it->second;
    if (x.dims() != step.dst.dims() || x.dtype() != DType::F32)
      return shapeMismatch("input node \"" + name + "\" expects " + dimsToString(step.dst.dims()) +
                           " float32, got " + dimsToString(x.dims()) + " " + dtypeName(x.dtype()));
    step.dst.assignConverted(x);
  }
  for (size_t s = 0; s < im.steps.size(); ++s) {
    Impl::Step& step = im.steps[s];
    const auto start =
        im.profiling ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    for (auto& e : step.edges)
      if (e.convert) e.converted.assignConverted(im.steps[static_cast<size_t>(e.producer)].dst);
    step.args.training = training && !step.inference;
    step.args.rngKey =
        rngKey ^ (0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(step.node) + 1));
    Status st = step.kernel->forward(step.args);
    if (!st) return st.withContext(step.label);
    if (im.profiling) {
      step.forwardSeconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++step.calls;
    }
    if (im.tap) im.tap(step.name, step.dst, false);
    if (checkEachNode) LOOM_RETURN_IF_ERROR(checkStepFinite(step));
  }
  return Status::ok();
}

const Tensor& Plan::output() {
  Impl& im = *m_impl;
  im.outputPlain.assignConverted(im.steps[static_cast<size_t>(im.outputStep)].dst);
  return im.outputPlain;
}

Status Plan::backward(const Tensor& diffOutput) {
  Impl& im = *m_impl;
  if (!im.trainingPlan) return internalError("backward() on an inference plan");
  Impl::Step& out = im.steps[static_cast<size_t>(im.outputStep)];
  if (diffOutput.dims() != out.dst.dims())
    return shapeMismatch("output gradient has shape " + dimsToString(diffOutput.dims()) +
                         ", expected " + dimsToString(out.dst.dims()));
  for (auto& step : im.steps) step.gradContributions = 0;
  if (!out.requiresGrad) return Status::ok();  // nothing trainable
  out.diffDst.assignConverted(diffOutput);
  out.gradContributions = 1;

  for (size_t s = im.steps.size(); s-- > 0;) {
    Impl::Step& step = im.steps[s];
    if (!step.requiresGrad || step.gradContributions == 0) continue;
    const auto start =
        im.profiling ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    Status st = step.kernel->backward(step.args);
    if (!st) return st.withContext(step.label + " backward");
    if (im.tap) im.tap(step.name, step.diffDst, true);
    for (auto& e : step.edges) {
      if (!e.needsGrad) continue;
      Impl::Step& producer = im.steps[static_cast<size_t>(e.producer)];
      if (!e.direct) {
        if (producer.gradContributions == 0)
          producer.diffDst.assignConverted(e.diffSrc);
        else
          accumulate(producer.diffDst, e.diffSrc);
      }
      ++producer.gradContributions;
    }
    if (im.profiling)
      step.backwardSeconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return Status::ok();
}

Expected<Tensor> Plan::activation(const std::string& node) const {
  const Impl& im = *m_impl;
  auto it = im.stepOfName.find(node);
  if (it == im.stepOfName.end()) return invalidArgument("the model has no node \"" + node + "\"");
  if (!im.trainingPlan && it->second != im.outputStep)
    return invalidArgument("node \"" + node +
                           "\": an inference plan keeps only its output's activation");
  const Tensor& dst = im.steps[static_cast<size_t>(it->second)].dst;
  Tensor out(dst.dims());
  out.assignConverted(dst);
  return out;
}

Expected<Tensor> Plan::gradient(const std::string& node) const {
  const Impl& im = *m_impl;
  auto it = im.stepOfName.find(node);
  if (it == im.stepOfName.end()) return invalidArgument("the model has no node \"" + node + "\"");
  const Impl::Step& step = im.steps[static_cast<size_t>(it->second)];
  if (!step.keepGradient || step.diffDst.empty())
    return invalidArgument("node \"" + node +
                           "\": its gradient is not kept (name it in PlanOptions::keepGradients, "
                           "or set inputGradients for an Input, in a training plan)");
  Tensor out(step.dst.dims());
  if (step.gradContributions == 0)
    out.zero();
  else
    out.assignConverted(step.diffDst);
  return out;
}

Status Plan::checkFinite() const {
  for (const auto& step : m_impl->steps) LOOM_RETURN_IF_ERROR(checkStepFinite(step));
  return Status::ok();
}

void Plan::parametersChanged() {
  for (Impl::Step& step : m_impl->steps)
    if (step.kernel) step.kernel->parametersChanged();
}
void Plan::setTap(TensorTap tap) {
  m_impl->tap = std::move(tap);
}
std::int64_t Plan::sharedBufferBytes() const {
  return m_impl->bufferBytes;
}

void Plan::setProfiling(bool enabled) {
  m_impl->profiling = enabled;
}

std::vector<NodeTiming> Plan::timings() const {
  std::vector<NodeTiming> out;
  for (size_t i = 0; i < m_impl->steps.size(); ++i) {
    const auto& s = m_impl->steps[i];
    out.push_back(
        {s.name, m_impl->kernelInfo[i].impl, s.forwardSeconds, s.backwardSeconds, s.calls});
  }
  return out;
}
const std::vector<NodeKernelInfo>& Plan::kernelInfo() const {
  return m_impl->kernelInfo;
}
const GraphAnalysis& Plan::analysis() const {
  return *m_impl->analysis;
}
std::shared_ptr<const GraphAnalysis> Plan::sharedAnalysis() const {
  return m_impl->analysis;
}

}  // namespace loom
