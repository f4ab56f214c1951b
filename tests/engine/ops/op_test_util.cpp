#include "op_test_util.h"

#include <algorithm>
#include <numeric>

#include "engine/core/rng.h"

namespace loom::test {

std::string OpCase::describe() const {
  std::string s = op + " {";
  bool first = true;
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

Status OpRun::forward() {
  KernelArgs args;
  args.attrs = &attrs;
  args.training = spec.training;
  args.rngKey = spec.rngKey;
  for (auto& t : src) args.src.push_back(&t);
  args.dst = &dst;
  for (auto& p : params) args.params.push_back(&p);
  args.saved = &saved;
  return op->forward(args);
}

Status OpRun::backward(const Tensor& diffDst) {
  KernelArgs args;
  args.attrs = &attrs;
  args.training = spec.training;
  args.rngKey = spec.rngKey;
  for (auto& t : src) args.src.push_back(&t);
  args.dst = &dst;
  for (auto& p : params) args.params.push_back(&p);
  args.saved = &saved;
  args.diffDst = &diffDst;
  diffSrc.clear();
  for (const auto& t : src) diffSrc.emplace_back(t.dims());
  for (auto& t : diffSrc) {
    t.fill(1e30f);  // backward must overwrite, never accumulate into stale values
    args.diffSrc.push_back(&t);
  }
  diffParams.assign(params.size(), Tensor());
  for (size_t i = 0; i < params.size(); ++i) {
    if (shape.params[i].trainable) {
      diffParams[i] = Tensor(params[i].dims());
      diffParams[i].fill(1e30f);
      args.diffParams.push_back(&diffParams[i]);
    } else {
      args.diffParams.push_back(nullptr);
    }
  }
  return op->backward(args);
}

Expected<OpRun> prepareRun(const OpCase& c) {
  OpRun run;
  run.spec = c;
  run.op = OpRegistry::global().find(c.op);
  if (!run.op) return notFound("op " + c.op);
  LOOM_ASSIGN_OR_RETURN(run.attrs, resolveAttrs(run.op->schema(), c.attrs));
  LOOM_ASSIGN_OR_RETURN(run.shape, run.op->inferShapes(c.inputs, run.attrs));
  for (const auto& d : c.inputs) run.src.emplace_back(d);
  run.dst = Tensor(run.shape.output);
  std::uint64_t key = 99;
  for (const auto& p : run.shape.params) {
    run.params.emplace_back(p.dims);
    initializeTensor(run.params.back(), p.init, ++key);
  }
  return run;
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

void fillForOp(OpRun& run, std::mt19937_64& gen) {
  const std::string& op = run.spec.op;
  for (auto& t : run.src) {
    if (op == "MaxPool2D")
      fillDistinct(t, gen);
    else if (op == "ReLU" || op == "LeakyReLU" || op == "ELU")
      fillAwayFromZero(t, gen);
    else
      fillUniform(t, gen);
  }
  for (size_t i = 0; i < run.params.size(); ++i) {
    if (run.shape.params[i].name == "running_var")
      fillUniform(run.params[i], gen, 0.5f, 1.5f);
    else
      fillUniform(run.params[i], gen);
  }
}

}  // namespace loom::test
