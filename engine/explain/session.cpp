// Explaining one image at a time (session.h).
#include "engine/explain/session.h"

#include <cstring>

#include "engine/explain/gradient_methods.h"
#include "engine/explain/job.h"
#include "engine/explain/registry.h"

namespace loom {

ExplainSession::ExplainSession(ModelProbe probe, ExplainSessionOptions options,
                               std::string convNode, Status convStatus)
    : m_probe(std::move(probe)),
      m_options(std::move(options)),
      m_convNode(std::move(convNode)),
      m_convStatus(std::move(convStatus)) {}

Expected<ExplainSession> ExplainSession::create(const Graph& graph, ParameterSet& params,
                                                const ExplainSessionOptions& options) {
  ProbeOptions po;
  po.backends = options.backends;
  po.memoryBudgetBytes = options.memoryBudgetBytes;
  // Grad-CAM's node is resolved on a plain probe first: the kept probe must name it.
  auto plain = ModelProbe::create(graph, params, po);
  if (!plain) return plain.status();
  std::string conv = options.convNode;
  Status convStatus;
  if (conv.empty()) {
    auto last = lastConvNode(*plain);
    if (last)
      conv = *last;
    else
      convStatus = last.status();
  } else {
    convStatus = checkConvNode(*plain, conv);
  }
  if (!convStatus.isOk()) return ExplainSession(std::move(*plain), options, {}, convStatus);
  po.keepNodes = {conv};
  auto kept = ModelProbe::create(graph, params, po);
  if (!kept) return kept.status();
  return ExplainSession(std::move(*kept), options, conv, Status::ok());
}

Status ExplainSession::checkMethod(const std::string& method) const {
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  const ExplainerInfo* info = reg.find(method);
  if (!info) {
    std::string all;
    for (const auto& n : reg.names()) all += (all.empty() ? "" : ", ") + n;
    return invalidArgument("method \"" + method + "\" is not one of: " + all);
  }
  auto opts = m_options.methodOptions.find(method);
  if (opts != m_options.methodOptions.end())
    for (const auto& [key, value] : opts->second) {
      bool known = false;
      for (const auto& opt : info->options) known |= opt.name == key;
      if (!known) {
        std::string list;
        for (const auto& opt : info->options) list += (list.empty() ? "" : ", ") + opt.name;
        return invalidArgument("option \"" + key + "\" is not an option of " + method + " (" +
                               (list.empty() ? std::string("it has none") : list) + ")");
      }
    }
  if (info->needsConvNode) return m_convStatus;
  return Status::ok();
}

Status ExplainSession::checkInput(const ExplainInput& in, const std::string& method) const {
  if (in.x.dims() != m_probe.sampleDims())
    return shapeMismatch("image \"" + in.name + "\" has shape " + dimsToString(in.x.dims()) +
                         " but the model's input takes " + dimsToString(m_probe.sampleDims()));
  if (method != "ig") return Status::ok();
  std::vector<float> base(static_cast<size_t>(in.x.numel()));
  LOOM_RETURN_IF_ERROR(
      makeBaseline(m_options.baseline, m_probe.sampleDims(), in.x.f32(), 0, base.data()));
  if (std::memcmp(base.data(), in.x.f32(), in.x.bytes()) == 0)
    return invalidArgument("image \"" + in.name + "\": the baseline \"" +
                           baselineName(m_options.baseline.kind) +
                           "\" equals the input (every pixel), so Integrated Gradients "
                           "would attribute nothing; choose another --baseline");
  return Status::ok();
}

namespace {

Tensor batchOfOne(const Tensor& x) {
  Dims one{1};
  one.insert(one.end(), x.dims().begin(), x.dims().end());
  return x.reshaped(one);
}

}  // namespace

Expected<std::vector<float>> ExplainSession::outputs(const Tensor& x) {
  if (x.dims() != m_probe.sampleDims())
    return shapeMismatch("an input of shape " + dimsToString(x.dims()) +
                         " but the model's input takes " + dimsToString(m_probe.sampleDims()));
  auto out = m_probe.outputs(batchOfOne(x));
  if (!out) return out.status();
  return std::vector<float>(out->f32(), out->f32() + out->numel());
}

Expected<Explanation> ExplainSession::explain(const ExplainInput& input, std::int64_t index,
                                              const std::string& method, std::int64_t target) {
  LOOM_RETURN_IF_ERROR(checkMethod(method));
  LOOM_RETURN_IF_ERROR(m_probe.checkScoreKind(m_options.kind));
  LOOM_RETURN_IF_ERROR(m_probe.checkClass(target));
  LOOM_RETURN_IF_ERROR(checkInput(input, method));
  const std::string where = "image \"" + input.name + "\", method " + method;
  const Tensor x = batchOfOne(input.x);
  const ExplainerRegistry& reg = ExplainerRegistry::global();
  const ExplainerInfo* info = reg.find(method);
  ExplainRequest req;
  req.probe = &m_probe;
  req.images = &x;
  req.targets = {target};
  req.kind = m_options.kind;
  req.baseline = m_options.baseline;
  req.seed = m_options.seed ^ (0x9E37ull * static_cast<std::uint64_t>(index + 1));
  req.convNode = m_convNode;
  if (info->needsSuperpixels) {
    auto seg = slicSuperpixels(input.display, m_options.superpixels);
    if (!seg) return seg.status().withContext("image \"" + input.name + "\"");
    req.segments = {std::move(*seg)};
  }
  auto opts = m_options.methodOptions.find(method);
  if (opts != m_options.methodOptions.end()) req.options = opts->second;
  auto e = reg.run(method, std::move(req));
  if (!e) return e.status().withContext(where);
  if (m_options.faithfulness) {
    auto curves = deletionInsertion(m_probe, x, *e, m_options.curves);
    if (!curves) return curves.status().withContext(where);
    e->metrics["deletion_auc"] = curves->deletionAuc;
    e->metrics["insertion_auc"] = curves->insertionAuc;
  }
  return e;
}

}  // namespace loom
