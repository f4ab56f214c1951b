// Every registered op on every backend, and the losses, against PyTorch 1.13 (Debian's,
// run as LOOM_PYTHON through tests/engine/support/torch_exchange.h).
//
// The test writes every op's Normal cases (op_cases.cpp) into one scratch directory, runs
// tests/python/torch_ops_reference.py once (importing torch costs about a second), and
// compares what each backend's kernel computed (forward output, input gradients, parameter
// gradients and BatchNorm's running statistics) with torch's, computed in float64 from the
// same float32 data. Tolerance: maxRelativeDifference < 1e-4 (|a-b| / max(1, |b|)). A
// backend that declines a case skips it there (listed in the output). PyTorch missing is
// a failure: the README installs it.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/ops/losses.h"
#include "op_cases.h"
#include "support/torch_exchange.h"

using namespace loom;
using namespace loom::test;
using nlohmann::json;

namespace {

constexpr double kTolerance = 1e-4;

json attrToJson(const AttrValue& v) {
  return std::visit([](const auto& x) -> json { return json(x); }, v);
}

void expectClose(const Tensor& ours, const Tensor& theirs, const std::string& what,
                 const std::string& where) {
  ASSERT_FALSE(theirs.empty()) << "torch wrote no " << what << " for " << where;
  const double diff = maxRelativeDifference(ours, theirs);
  EXPECT_LT(diff, kTolerance) << what << " differs from torch by " << diff << " for " << where;
}

// One case: its id in the manifest and its run on every backend that accepted it.
struct PendingCase {
  std::string id;
  std::vector<std::pair<std::string, OpRun>> runs;  // (backend, run), reference first
};

// Writes case `id` (inputs, params before forward, diffDst) and its attributes.
json caseEntry(const TorchExchange& ex, const std::string& id, const OpRun& ref,
               const Tensor& diffDst) {
  json jc = {{"id", id},
             {"kind", "op"},
             {"op", ref.spec.op},
             {"training", ref.spec.training},
             {"attrs", json::object()},
             {"inputs", json::array()},
             {"params", json::array()}};
  for (const auto& [name, value] : ref.attrs().values()) jc["attrs"][name] = attrToJson(value);
  for (size_t i = 0; i < ref.src.size(); ++i)
    jc["inputs"].push_back(ex.write(id + "_in" + std::to_string(i) + ".bin", ref.src[i]));
  for (size_t i = 0; i < ref.params.size(); ++i) {
    json jp = ex.write(id + "_param" + std::to_string(i) + ".bin", ref.params[i]);
    jp["name"] = ref.shape().params[i].name;
    jp["trainable"] = ref.shape().params[i].trainable;
    jc["params"].push_back(jp);
  }
  jc["diff_dst"] = ex.write(id + "_ddst.bin", diffDst);
  return jc;
}

void compareWithTorch(const TorchExchange& ex, const PendingCase& p) {
  for (const auto& [backend, run] : p.runs) {
    const std::string where = run.spec.describe() + " on " + backend + " [" + run.implName() + "]";
    expectClose(run.dst, ex.read(p.id + "_out.bin", run.dst.dims()), "output", where);
    for (size_t i = 0; i < run.src.size(); ++i)
      expectClose(run.diffSrc[i],
                  ex.read(p.id + "_dsrc" + std::to_string(i) + ".bin", run.src[i].dims()),
                  "gradient of input " + std::to_string(i), where);
    for (size_t i = 0; i < run.params.size(); ++i) {
      const std::string name = run.shape().params[i].name;
      const std::string stem = p.id + "_param" + std::to_string(i);
      if (run.shape().params[i].trainable)
        expectClose(run.diffParams[i],
                    ex.read(p.id + "_dparam" + std::to_string(i) + ".bin", run.params[i].dims()),
                    "gradient of " + name, where);
      // BatchNorm's running statistics after the forward (unchanged for other ops).
      expectClose(run.params[i], ex.read(stem + "_after.bin", run.params[i].dims()),
                  name + " after forward", where);
    }
  }
}

}  // namespace

TEST(TorchReference, EveryOpOnEveryBackendMatchesPyTorch) {
  TorchExchange ex("loom_ops_torch");
  ASSERT_FALSE(ex.dir().empty());
  std::mt19937_64 gen(20240611);
  json manifest = {{"cases", json::array()}};
  std::vector<PendingCase> pending;
  std::map<std::string, int> compared;  // "op on backend" -> cases
  std::vector<std::string> declined;
  for (const std::string& op : opsUnderTest()) {
    const auto cases = casesFor(op, CaseSize::Normal);
    if (cases.empty())
      ADD_FAILURE() << "no cases for op " << op << " in tests/engine/ops/op_cases.cpp";
    const OpCaseSet* set = findCaseSet(op);
    for (OpCase c : cases) {
      if (set->torchInferenceOnly) c.training = false;
      PendingCase p{"c" + std::to_string(pending.size()), {}};
      for (const std::string& backend : backendNames()) {
        auto run = OpRun::create(c, *backendNamed(backend));
        if (!run && run.status().code() == ErrorCode::Unsupported && backend != "reference") {
          declined.push_back(backend + ": " + c.describe() + ": " + run.status().message());
          continue;
        }
        ASSERT_TRUE(run.hasValue())
            << c.describe() << " on " << backend << ": " << run.status().toString();
        p.runs.emplace_back(backend, std::move(*run));
      }
      OpRun& ref = p.runs.front().second;
      fillRun(ref, set->fill, gen);
      Tensor diffDst(ref.shape().output);
      fillUniform(diffDst, gen);
      manifest["cases"].push_back(caseEntry(ex, p.id, ref, diffDst));
      // Every backend starts from the same data: copied before any forward changes the
      // reference's params (BatchNorm's running statistics).
      for (auto& entry : p.runs)
        if (&entry.second != &ref) entry.second.copyDataFrom(ref);
      for (auto& [backend, run] : p.runs) {
        Status st = run.forward();
        ASSERT_TRUE(st.isOk()) << c.describe() << " on " << backend
                               << ": forward: " << st.toString();
        st = run.backward(diffDst);
        ASSERT_TRUE(st.isOk()) << c.describe() << " on " << backend
                               << ": backward: " << st.toString();
        ++compared[op + " on " + backend];
      }
      pending.push_back(std::move(p));
    }
  }
  const Status st = ex.run("torch_ops_reference.py", manifest);
  ASSERT_TRUE(st.isOk()) << st.toString();
  for (const PendingCase& p : pending) compareWithTorch(ex, p);
  for (const auto& [pair, count] : compared)
    std::printf("[ compared ] %s: %d cases\n", pair.c_str(), count);
  for (const std::string& d : declined) std::printf("[ declined ] %s\n", d.c_str());
}

TEST(TorchReference, LossesAndTopKMatch) {
  TorchExchange ws("loom_losses_torch");
  ASSERT_FALSE(ws.dir().empty());
  std::mt19937_64 gen(77);
  json manifest = {{"cases", json::array()}};
  struct PendingLoss {
    std::string id, kind;
    double loss = 0;
    Tensor grad;
    std::int64_t count = 0;
  };
  std::vector<PendingLoss> pending;
  auto randInt = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen);
  };
  for (int i = 0; i < 12; ++i) {
    const std::int64_t n = randInt(1, 9), classes = randInt(2, 12);
    Tensor logits({n, classes});
    fillUniform(logits, gen, -4.0f, 4.0f);
    Tensor labels({n}, DType::I64);
    for (std::int64_t r = 0; r < n; ++r) labels.data<std::int64_t>()[r] = randInt(0, classes - 1);
    PendingLoss p;
    p.id = "l" + std::to_string(pending.size());
    json jc = {{"id", p.id}, {"pred", ws.write(p.id + "_pred.bin", logits)}};
    const int which = i % 4;
    if (which == 0 || which == 1) {  // cross-entropy, with and without smoothing
      const double smoothing =
          which == 0 ? 0.0 : std::uniform_real_distribution<double>(0.05, 0.5)(gen);
      p.kind = "softmax_cross_entropy";
      p.grad = Tensor(logits.dims());
      auto loss = softmaxCrossEntropy(logits, labels, smoothing, &p.grad);
      ASSERT_TRUE(loss.hasValue()) << loss.status().message();
      p.loss = *loss;
      jc["label_smoothing"] = smoothing;
      jc["labels"] = ws.write(p.id + "_labels.bin", labels);
    } else if (which == 2) {  // MSE and BCE-with-logits on the same logits
      p.kind = i % 8 == 2 ? "mse" : "bce_with_logits";
      Tensor target(logits.dims());
      fillUniform(target, gen, p.kind == "mse" ? -3.0f : 0.0f, 1.0f);
      p.grad = Tensor(logits.dims());
      auto loss = p.kind == "mse" ? meanSquaredError(logits, target, &p.grad)
                                  : binaryCrossEntropyWithLogits(logits, target, &p.grad);
      ASSERT_TRUE(loss.hasValue()) << loss.status().message();
      p.loss = *loss;
      jc["target"] = ws.write(p.id + "_target.bin", target);
    } else {
      p.kind = "topk";
      const int k = static_cast<int>(randInt(1, classes));
      auto count = countTopKCorrect(logits, labels, k);
      ASSERT_TRUE(count.hasValue()) << count.status().message();
      p.count = *count;
      jc["k"] = k;
      jc["labels"] = ws.write(p.id + "_labels.bin", labels);
    }
    jc["kind"] = p.kind;
    manifest["cases"].push_back(jc);
    pending.push_back(std::move(p));
  }
  // One BCE case with large logits: the stable form must not overflow.
  {
    Tensor logits({2, 3}), target({2, 3});
    const float xs[] = {80.0f, -80.0f, 30.0f, -30.0f, 0.5f, -100.0f};
    const float ts[] = {0.0f, 1.0f, 1.0f, 0.3f, 0.5f, 0.0f};
    std::copy(xs, xs + 6, logits.f32());
    std::copy(ts, ts + 6, target.f32());
    PendingLoss p{"l" + std::to_string(pending.size()), "bce_with_logits", 0, Tensor({2, 3}), 0};
    p.loss = *binaryCrossEntropyWithLogits(logits, target, &p.grad);
    manifest["cases"].push_back({{"id", p.id},
                                 {"kind", p.kind},
                                 {"pred", ws.write(p.id + "_pred.bin", logits)},
                                 {"target", ws.write(p.id + "_target.bin", target)}});
    pending.push_back(std::move(p));
  }
  const Status st = ws.run("torch_ops_reference.py", manifest);
  ASSERT_TRUE(st.isOk()) << st.toString();
  for (const PendingLoss& p : pending) {
    if (p.kind == "topk") {
      Tensor count = ws.read(p.id + "_count.bin", {1}, DType::I64);
      ASSERT_FALSE(count.empty());
      EXPECT_EQ(p.count, count.data<std::int64_t>()[0]) << p.id;
      continue;
    }
    const std::vector<double> loss = ws.readF64(p.id + "_loss.bin", 1);
    ASSERT_EQ(loss.size(), 1u) << "torch wrote no loss for " << p.kind << " " << p.id;
    const double theirs = loss[0];
    EXPECT_NEAR(p.loss, theirs, 1e-5 * std::max(1.0, std::fabs(theirs))) << p.kind << " " << p.id;
    expectClose(p.grad, ws.read(p.id + "_grad.bin", p.grad.dims()), "loss gradient",
                p.kind + " " + p.id);
  }
}
