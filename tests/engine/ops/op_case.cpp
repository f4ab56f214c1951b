#include "op_case.h"

#include <algorithm>
#include <numeric>

namespace loom::test {

std::string OpCase::describe() const {
  std::string s = op + " {";
  bool first = true;
  // Appends one piece at a time: "a + b" chains trip GCC 12's -Wrestrict false positive.
  for (const auto& [name, value] : attrs) {
    if (!first) s += ", ";
    s += name;
    s += ": ";
    s += attrToString(value);
    first = false;
  }
  s += "} inputs";
  for (const auto& d : inputs) {
    s += ' ';
    s += dimsToString(d);
  }
  s += training ? " (training)" : " (inference)";
  return s;
}

Expected<OpRun> OpRun::create(const OpCase& c, Backend& backend, Feed feed) {
  OpRun run;
  run.spec = c;
  run.m_feed = feed;
  run.m_node = std::make_unique<Node>();
  Node& n = *run.m_node;
  n.op = OpRegistry::global().find(c.op);
  if (!n.op) return notFound("op \"" + c.op + "\" is not registered");
  LOOM_ASSIGN_OR_RETURN(n.attrs, resolveAttrs(n.op->schema(), c.attrs));
  LOOM_ASSIGN_OR_RETURN(n.shape, n.op->inferShapes(c.inputs, n.attrs));
  n.request.op = n.op;
  n.request.attrs = &n.attrs;
  n.request.inputDims = c.inputs;
  n.request.shape = &n.shape;
  n.request.training = true;  // the harness always runs backward
  n.request.needsDiffSrc.assign(c.inputs.size(), true);
  LOOM_ASSIGN_OR_RETURN(run.m_kernel, backend.createKernel(n.request));
  for (const auto& d : c.inputs) run.src.emplace_back(d);
  run.dst = Tensor(n.shape.output);
  std::uint64_t key = 99;
  for (const auto& p : n.shape.params) {
    run.params.emplace_back(p.dims);
    initializeTensor(run.params.back(), p.init, ++key);
  }
  return run;
}

Expected<OpRun> OpRun::create(const OpCase& c) {
  static std::unique_ptr<Backend> reference = makeReferenceBackend();
  return create(c, *reference, Feed::Plain);
}

Layout OpRun::inputLayout(size_t i) const {
  if (m_feed == Feed::Plain || src[i].rank() != 4) return Layout::Plain;
  return m_kernel->inputLayout(static_cast<int>(i));
}

Layout OpRun::outputLayout() const {
  if (m_feed == Feed::Plain || shape().output.size() != 4) return Layout::Plain;
  return m_kernel->outputLayout();
}

KernelArgs OpRun::args() {
  KernelArgs a;
  a.attrs = &m_node->attrs;
  a.training = spec.training;
  a.rngKey = spec.rngKey;
  for (Tensor& t : m_stagedSrc) a.src.push_back(&t);
  a.dst = &m_stagedDst;
  for (Tensor& p : params) a.params.push_back(&p);
  a.saved = &saved;
  return a;
}

Status OpRun::forward() {
  m_stagedSrc.clear();
  for (size_t i = 0; i < src.size(); ++i) m_stagedSrc.push_back(src[i].toLayout(inputLayout(i)));
  m_stagedDst = Tensor(shape().output, DType::F32, outputLayout());
  KernelArgs a = args();
  LOOM_RETURN_IF_ERROR(m_kernel->forward(a));
  dst = m_stagedDst.toLayout(Layout::Plain);
  return Status::ok();
}

Status OpRun::backward(const Tensor& diffDst) {
  if (m_stagedSrc.size() != src.size()) return internalError("OpRun::backward before forward");
  KernelArgs a = args();
  const Tensor stagedDiffDst = diffDst.toLayout(outputLayout());
  a.diffDst = &stagedDiffDst;
  std::vector<Tensor> stagedDiffSrc;
  for (size_t i = 0; i < src.size(); ++i) {
    stagedDiffSrc.emplace_back(src[i].dims(), DType::F32, inputLayout(i));
    stagedDiffSrc.back().fill(1e30f);  // backward must overwrite, never accumulate
  }
  for (Tensor& t : stagedDiffSrc) a.diffSrc.push_back(&t);
  diffParams.assign(params.size(), Tensor());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!shape().params[i].trainable) {
      a.diffParams.push_back(nullptr);
      continue;
    }
    diffParams[i] = Tensor(params[i].dims());
    diffParams[i].fill(1e30f);
    a.diffParams.push_back(&diffParams[i]);
  }
  LOOM_RETURN_IF_ERROR(m_kernel->backward(a));
  diffSrc.clear();
  for (const Tensor& t : stagedDiffSrc) diffSrc.push_back(t.toLayout(Layout::Plain));
  return Status::ok();
}

void OpRun::copyDataFrom(const OpRun& other) {
  for (size_t i = 0; i < src.size() && i < other.src.size(); ++i) src[i] = other.src[i].clone();
  for (size_t i = 0; i < params.size() && i < other.params.size(); ++i)
    params[i] = other.params[i].clone();
}

void fillUniform(Tensor& t, std::mt19937_64& gen, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = dist(gen);
}

void fillAwayFromZero(Tensor& t, std::mt19937_64& gen, float minAbs) {
  std::uniform_real_distribution<float> mag(minAbs, 1.0f);
  std::bernoulli_distribution sign(0.5);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = sign(gen) ? mag(gen) : -mag(gen);
}

void fillDistinct(Tensor& t, std::mt19937_64& gen, float step) {
  std::vector<std::int64_t> order(static_cast<size_t>(t.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), gen);
  const float centre = static_cast<float>(t.numel() - 1) * step / 2;
  for (std::int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = static_cast<float>(order[static_cast<size_t>(i)]) * step - centre;
}

void fillRun(OpRun& run, InputFill fill, std::mt19937_64& gen) {
  for (Tensor& t : run.src) {
    switch (fill) {
      case InputFill::Uniform:
        fillUniform(t, gen);
        break;
      case InputFill::AwayFromZero:
        fillAwayFromZero(t, gen);
        break;
      case InputFill::Distinct:
        fillDistinct(t, gen);
        break;
    }
  }
  for (size_t i = 0; i < run.params.size(); ++i) {
    if (run.shape().params[i].name == "running_var")  // variances must be positive
      fillUniform(run.params[i], gen, 0.5f, 1.5f);
    else
      fillUniform(run.params[i], gen);
  }
}

namespace {

void compare(const Tensor& got, const Tensor& want, const std::string& what, double tolerance,
             std::vector<std::string>& out) {
  if (got.dims() != want.dims()) {
    out.push_back(what + " has dims " + dimsToString(got.dims()) + ", expected " +
                  dimsToString(want.dims()));
    return;
  }
  const double diff = maxRelativeDifference(got, want);
  if (!(diff <= tolerance))
    out.push_back(what + " differs by " + std::to_string(diff) + " (tolerance " +
                  std::to_string(tolerance) + ")");
}

}  // namespace

std::vector<std::string> compareRuns(const OpRun& got, const OpRun& want, double tolerance,
                                     bool backward) {
  std::vector<std::string> out;
  compare(got.dst, want.dst, "dst", tolerance, out);
  for (size_t i = 0; i < want.params.size(); ++i)
    compare(got.params[i], want.params[i], want.shape().params[i].name + " after forward",
            tolerance, out);
  if (!backward) return out;
  for (size_t i = 0; i < want.diffSrc.size(); ++i)
    compare(got.diffSrc.at(i), want.diffSrc[i], "diffSrc " + std::to_string(i), tolerance, out);
  for (size_t i = 0; i < want.diffParams.size(); ++i)
    if (!want.diffParams[i].empty())
      compare(got.diffParams.at(i), want.diffParams[i],
              "gradient of " + want.shape().params[i].name, tolerance, out);
  return out;
}

}  // namespace loom::test
