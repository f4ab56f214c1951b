// ModelProbe (probe.h): chunked forward/backward over two plans compiled once.
#include "engine/explain/probe.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/exec/plan.h"
#include "engine/graph/analysis.h"
#include "engine/ops/op.h"

namespace loom {

const char* scoreKindName(ScoreKind kind) {
  return kind == ScoreKind::Logit ? "logit" : "probability";
}

Expected<ScoreKind> parseScoreKind(const std::string& text) {
  if (text == "logit") return ScoreKind::Logit;
  if (text == "probability") return ScoreKind::Probability;
  return invalidArgument("score \"" + text + "\" is not one of: logit, probability");
}

namespace {

/// Softmax of one row in double precision.
std::vector<double> softmaxRow(const float* row, std::int64_t n) {
  double m = row[0];
  for (std::int64_t k = 1; k < n; ++k) m = std::max<double>(m, row[k]);
  std::vector<double> p(static_cast<size_t>(n));
  double sum = 0;
  for (std::int64_t k = 0; k < n; ++k) sum += p[static_cast<size_t>(k)] = std::exp(row[k] - m);
  for (double& v : p) v /= sum;
  return p;
}

}  // namespace

double scoreOf(const float* row, std::int64_t classes, std::int64_t cls, ScoreKind kind,
               bool outputIsProbability) {
  if (kind == ScoreKind::Logit || outputIsProbability) return row[cls];
  return softmaxRow(row, classes)[static_cast<size_t>(cls)];
}

void scoreGradient(const float* row, std::int64_t classes, std::int64_t cls, ScoreKind kind,
                   bool outputIsProbability, float* diff) {
  std::fill(diff, diff + classes, 0.0f);
  if (kind == ScoreKind::Logit || outputIsProbability) {
    diff[cls] = 1.0f;
    return;
  }
  // d p_c / d z_k = p_c (delta_ck - p_k)
  const std::vector<double> p = softmaxRow(row, classes);
  const double pc = p[static_cast<size_t>(cls)];
  for (std::int64_t k = 0; k < classes; ++k)
    diff[k] = static_cast<float>(pc * ((k == cls ? 1.0 : 0.0) - p[static_cast<size_t>(k)]));
}

struct ModelProbe::Impl {
  const Graph* graph = nullptr;
  ParameterSet* params = nullptr;
  ProbeOptions options;
  std::string input, output;
  Dims sample;
  std::int64_t sampleSize = 0, classes = 0, chunk = 1, passes = 0;
  bool outputIsProbability = false;
  std::vector<std::pair<std::string, std::string>> nodeOps;
  std::shared_ptr<const GraphAnalysis> analysis;  // at batch `chunk`
  std::unique_ptr<Plan> inferPlan, gradPlan;
  Tensor batch;  // [chunk, sample...]

  Status ensurePlan(bool gradients) {
    std::unique_ptr<Plan>& slot = gradients ? gradPlan : inferPlan;
    if (slot) return Status::ok();
    PlanOptions po;
    po.batch = chunk;
    po.training = gradients;
    po.backends = options.backends;
    po.analysis = analysis;
    po.parameterGradients = false;
    po.inputGradients = gradients;
    po.constantParameters = true;  // parametersChanged() tells the plans otherwise
    if (gradients) po.keepGradients = options.keepNodes;
    auto plan = Plan::compile(*graph, *params, po);
    if (!plan) return plan.status();
    slot = std::make_unique<Plan>(std::move(*plan));
    return Status::ok();
  }

  Status run(std::int64_t count, const ProbeInputFn& inputFn, const ProbeClassFn& cls,
             ScoreKind kind, const ProbeChunkFn& take, bool gradients);
};

ModelProbe::ModelProbe() : m_impl(std::make_unique<Impl>()) {}
ModelProbe::~ModelProbe() = default;
ModelProbe::ModelProbe(ModelProbe&&) noexcept = default;
ModelProbe& ModelProbe::operator=(ModelProbe&&) noexcept = default;

Expected<ModelProbe> ModelProbe::create(const Graph& graph, ParameterSet& params,
                                        const ProbeOptions& options) {
  ModelProbe probe;
  Impl& im = *probe.m_impl;
  im.graph = &graph;
  im.params = &params;
  im.options = options;
  const GraphAnalysis one = analyzeGraph(graph, OpRegistry::global(), 1);
  LOOM_RETURN_IF_ERROR(one.status);
  for (int idx : one.order) {
    const Node& node = graph.nodes()[static_cast<size_t>(idx)];
    im.nodeOps.emplace_back(node.name, node.op);
    if (node.op == "Input") {
      if (!im.input.empty())
        return invalidArgument("explanations need a model with one Input node; it has \"" +
                               im.input + "\" and \"" + node.name + "\"");
      im.input = node.name;
      const Dims& d = one.nodes[static_cast<size_t>(idx)].shape.output;
      im.sample.assign(d.begin() + 1, d.end());
    }
  }
  if (im.input.empty()) return invalidArgument("the model has no Input node");
  im.output = one.outputNode;
  const int outIdx = graph.indexOf(im.output);
  const Dims& outDims = one.nodes[static_cast<size_t>(outIdx)].shape.output;
  if (outDims.size() != 2)
    return invalidArgument("output node \"" + im.output + "\" has shape " + dimsToString(outDims) +
                           "; explanations need [batch, classes]");
  im.classes = outDims[1];
  im.outputIsProbability = graph.nodes()[static_cast<size_t>(outIdx)].op == "Softmax";
  im.sampleSize = numElements(im.sample);
  for (const auto& name : options.keepNodes)
    if (graph.indexOf(name) < 0) return invalidArgument("the model has no node \"" + name + "\"");

  // Per sample: activations (both plans), gradients (training plan), one input row.
  const std::int64_t perSample = 3 * one.total.activationBytes + 4 * im.sampleSize;
  const std::int64_t room = options.memoryBudgetBytes - 2 * one.parameterBytes;
  im.chunk = std::clamp<std::int64_t>(room / std::max<std::int64_t>(perSample, 1), 1,
                                      std::max<std::int64_t>(options.maxBatch, 1));
  GraphAnalysis atChunk = analyzeGraph(graph, OpRegistry::global(), im.chunk);
  LOOM_RETURN_IF_ERROR(atChunk.status);
  im.analysis = std::make_shared<const GraphAnalysis>(std::move(atChunk));
  Dims bd{im.chunk};
  bd.insert(bd.end(), im.sample.begin(), im.sample.end());
  im.batch = Tensor(bd);
  return probe;
}

const std::string& ModelProbe::inputName() const {
  return m_impl->input;
}
const std::string& ModelProbe::outputName() const {
  return m_impl->output;
}
const Dims& ModelProbe::sampleDims() const {
  return m_impl->sample;
}
std::int64_t ModelProbe::sampleSize() const {
  return m_impl->sampleSize;
}
std::int64_t ModelProbe::classes() const {
  return m_impl->classes;
}
std::int64_t ModelProbe::chunkSize() const {
  return m_impl->chunk;
}
bool ModelProbe::outputIsProbability() const {
  return m_impl->outputIsProbability;
}
std::int64_t ModelProbe::passes() const {
  return m_impl->passes;
}
void ModelProbe::parametersChanged() {
  for (Plan* plan : {m_impl->inferPlan.get(), m_impl->gradPlan.get()})
    if (plan) plan->parametersChanged();
}
const std::vector<std::pair<std::string, std::string>>& ModelProbe::nodeOps() const {
  return m_impl->nodeOps;
}

Status ModelProbe::checkScoreKind(ScoreKind kind) const {
  if (kind == ScoreKind::Logit && m_impl->outputIsProbability)
    return invalidArgument("score \"logit\": output node \"" + m_impl->output +
                           "\" is a Softmax, so the model outputs probabilities; use probability");
  return Status::ok();
}

Status ModelProbe::checkClass(std::int64_t cls) const {
  if (cls < 0 || cls >= m_impl->classes)
    return invalidArgument("target class " + std::to_string(cls) +
                           " is out of range: the model has " + std::to_string(m_impl->classes) +
                           " classes (0.." + std::to_string(m_impl->classes - 1) + ")");
  return Status::ok();
}

Status ModelProbe::Impl::run(std::int64_t count, const ProbeInputFn& inputFn,
                             const ProbeClassFn& cls, ScoreKind kind, const ProbeChunkFn& take,
                             bool gradients) {
  LOOM_RETURN_IF_ERROR(ensurePlan(gradients));
  Plan& plan = gradients ? *gradPlan : *inferPlan;
  Tensor diff(Dims{chunk, classes});
  Tensor inputGrad;
  ProbeChunk result;
  for (std::int64_t first = 0; first < count; first += chunk) {
    const std::int64_t n = std::min(chunk, count - first);
    float* b = batch.f32();
    for (std::int64_t r = 0; r < n; ++r) inputFn(first + r, b + r * sampleSize);
    std::fill(b + n * sampleSize, b + chunk * sampleSize, 0.0f);
    LOOM_RETURN_IF_ERROR(plan.forward({{input, &batch}}, false, 0));
    ++passes;
    const Tensor& out = plan.output();
    result = ProbeChunk();
    result.first = first;
    result.count = n;
    result.outputs = &out;
    std::vector<std::int64_t> classOf(static_cast<size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
      const std::int64_t c = cls(first + r);
      if (c < 0 || c >= classes)
        return invalidArgument("target class " + std::to_string(c) +
                               " is out of range: the model has " + std::to_string(classes) +
                               " classes (0.." + std::to_string(classes - 1) + ")");
      classOf[static_cast<size_t>(r)] = c;
      result.scores.push_back(
          scoreOf(out.f32() + r * classes, classes, c, kind, outputIsProbability));
    }
    if (gradients) {
      diff.zero();
      for (std::int64_t r = 0; r < n; ++r)
        scoreGradient(out.f32() + r * classes, classes, classOf[static_cast<size_t>(r)], kind,
                      outputIsProbability, diff.f32() + r * classes);
      LOOM_RETURN_IF_ERROR(plan.backward(diff));
      auto g = plan.gradient(input);
      if (!g) return g.status();
      inputGrad = std::move(*g);
      result.inputGrad = &inputGrad;
      for (const auto& name : options.keepNodes) {
        auto a = plan.activation(name);
        if (!a) return a.status();
        auto d = plan.gradient(name);
        if (!d) return d.status();
        result.acts[name] = std::move(*a);
        result.grads[name] = std::move(*d);
      }
    }
    LOOM_RETURN_IF_ERROR(take(result));
  }
  return Status::ok();
}

Status ModelProbe::scores(std::int64_t count, const ProbeInputFn& input, const ProbeClassFn& cls,
                          ScoreKind kind, const ProbeChunkFn& take) {
  LOOM_RETURN_IF_ERROR(checkScoreKind(kind));
  return m_impl->run(count, input, cls, kind, take, false);
}

Status ModelProbe::gradients(std::int64_t count, const ProbeInputFn& input, const ProbeClassFn& cls,
                             ScoreKind kind, const ProbeChunkFn& take) {
  LOOM_RETURN_IF_ERROR(checkScoreKind(kind));
  return m_impl->run(count, input, cls, kind, take, true);
}

Expected<Tensor> ModelProbe::outputs(const Tensor& x) {
  const std::int64_t s = sampleSize();
  if (x.rank() < 1 || x.numel() != x.dim(0) * s)
    return shapeMismatch("inputs have shape " + dimsToString(x.dims()) + "; the model's input \"" +
                         m_impl->input + "\" takes [N, " + dimsToString(m_impl->sample).substr(1));
  const std::int64_t n = x.dim(0);
  Tensor out(Dims{n, classes()});
  Status st = scores(
      n, [&](std::int64_t i, float* dst) { std::memcpy(dst, x.f32() + i * s, 4 * s); },
      [](std::int64_t) { return std::int64_t{0}; },
      outputIsProbability() ? ScoreKind::Probability : ScoreKind::Logit,
      [&](const ProbeChunk& c) {
        std::memcpy(out.f32() + c.first * classes(), c.outputs->f32(), 4 * c.count * classes());
        return Status::ok();
      });
  if (!st) return st;
  return out;
}

std::vector<std::int64_t> ModelProbe::argmax(const Tensor& outputs) {
  const std::int64_t n = outputs.dim(0), k = outputs.dim(1);
  std::vector<std::int64_t> best(static_cast<size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = outputs.f32() + i * k;
    best[static_cast<size_t>(i)] = std::max_element(row, row + k) - row;
  }
  return best;
}

}  // namespace loom
