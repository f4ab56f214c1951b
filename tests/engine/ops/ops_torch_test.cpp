// Every op and loss against PyTorch 1.13 (Debian's, run as LOOM_PYTHON).
//
// The test writes all cases into one temporary directory (manifest.json plus raw
// little-endian tensors), runs tests/python/torch_ops_reference.py once (importing torch
// costs about a second), and compares our reference forward output, input gradients,
// parameter gradients and BatchNorm running statistics with torch's, computed in float64
// from the same float32 data. Tolerance: maxRelativeDifference < 1e-4 (|a-b| / max(1, |b|)).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/ops/losses.h"
#include "op_cases.h"
#include "op_test_util.h"

using namespace loom;
using namespace loom::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr double kTolerance = 1e-4;

json attrToJson(const AttrValue& v) {
  return std::visit([](const auto& x) -> json { return json(x); }, v);
}

class Workspace {
 public:
  Workspace() {
    std::string templ = (fs::temp_directory_path() / "loom_ops_torch_XXXXXX").string();
    if (char* d = mkdtemp(templ.data())) m_dir = d;
  }
  ~Workspace() {
    if (!m_dir.empty() && !::testing::Test::HasFailure()) fs::remove_all(m_dir);
  }
  const fs::path& dir() const { return m_dir; }

  json write(const std::string& name, const Tensor& t) {
    std::ofstream out(m_dir / name, std::ios::binary);
    out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
    return {{"file", name}, {"shape", t.dims()}};
  }

  // Reads `name` as a tensor of `dims` and `dtype`; empty tensor when missing or short.
  Tensor read(const std::string& name, const Dims& dims, DType dtype = DType::F32) const {
    Tensor t(dims, dtype);
    std::ifstream in(m_dir / name, std::ios::binary);
    if (!in) return {};
    in.read(static_cast<char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
    if (in.gcount() != static_cast<std::streamsize>(t.bytes())) return {};
    return t;
  }

  double readDouble(const std::string& name) const {
    double v = NAN;
    std::ifstream in(m_dir / name, std::ios::binary);
    in.read(reinterpret_cast<char*>(&v), sizeof v);
    return v;
  }

  // Runs the reference script; returns its exit code (77 = torch not importable).
  int runReference(const json& manifest) {
    std::ofstream(m_dir / "manifest.json") << manifest.dump(1);
    const std::string cmd = std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
                            "/tests/python/torch_ops_reference.py " + m_dir.string();
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

 private:
  fs::path m_dir;
};

void expectClose(const Tensor& ours, const Tensor& theirs, const std::string& what,
                 const std::string& where) {
  ASSERT_FALSE(theirs.empty()) << "torch wrote no " << what << " for " << where;
  const double diff = maxRelativeDifference(ours, theirs);
  EXPECT_LT(diff, kTolerance) << what << " differs from torch by " << diff << " for " << where;
}

struct PendingOp {
  std::string id;
  OpRun run;
  std::vector<Tensor> paramsBefore;
};

}  // namespace

TEST(TorchReference, OpsMatchForwardAndBackward) {
  Workspace ws;
  ASSERT_FALSE(ws.dir().empty());
  std::mt19937_64 gen(20240611);
  json manifest = {{"cases", json::array()}};
  std::vector<PendingOp> pending;
  int caseCount = 0;
  for (const std::string& op : testedOps()) {
    const int count = op == "Conv2D" ? 18 : (op == "MaxPool2D" || op == "AvgPool2D") ? 12 : 6;
    for (OpCase c : randomCases(op, count, gen, false)) {
      if (op == "Dropout") c.training = false;  // training mode: statistics test below
      auto runOr = prepareRun(c);
      ASSERT_TRUE(runOr.hasValue()) << runOr.status().message();
      PendingOp p{"c" + std::to_string(caseCount++), std::move(*runOr), {}};
      fillForOp(p.run, gen);
      json jc = {{"id", p.id},
                 {"kind", "op"},
                 {"op", op},
                 {"training", c.training},
                 {"inputs", json::array()},
                 {"params", json::array()}};
      for (const auto& [name, value] : p.run.attrs.values()) jc["attrs"][name] = attrToJson(value);
      for (size_t i = 0; i < p.run.src.size(); ++i)
        jc["inputs"].push_back(ws.write(p.id + "_in" + std::to_string(i) + ".bin", p.run.src[i]));
      for (size_t i = 0; i < p.run.params.size(); ++i) {
        json jp = ws.write(p.id + "_param" + std::to_string(i) + ".bin", p.run.params[i]);
        jp["name"] = p.run.shape.params[i].name;
        jp["trainable"] = p.run.shape.params[i].trainable;
        jc["params"].push_back(jp);
        p.paramsBefore.push_back(p.run.params[i].clone());
      }
      Tensor diffDst(p.run.shape.output);
      fillUniform(diffDst, gen);
      jc["diff_dst"] = ws.write(p.id + "_ddst.bin", diffDst);
      ASSERT_TRUE(p.run.forward().isOk()) << c.describe();
      Status st = p.run.backward(diffDst);
      ASSERT_TRUE(st.isOk()) << c.describe() << ": " << st.message();
      manifest["cases"].push_back(jc);
      pending.push_back(std::move(p));
    }
  }
  const int rc = ws.runReference(manifest);
  if (rc == 77) GTEST_SKIP() << LOOM_PYTHON << " cannot import torch";
  ASSERT_EQ(rc, 0) << "torch_ops_reference.py failed; cases in " << ws.dir();

  std::map<std::string, int> perOp;
  for (const PendingOp& p : pending) {
    const std::string where = p.run.spec.describe();
    ++perOp[p.run.spec.op];
    expectClose(p.run.dst, ws.read(p.id + "_out.bin", p.run.dst.dims()), "output", where);
    for (size_t i = 0; i < p.run.src.size(); ++i)
      expectClose(p.run.diffSrc[i],
                  ws.read(p.id + "_dsrc" + std::to_string(i) + ".bin", p.run.src[i].dims()),
                  "gradient of input " + std::to_string(i), where);
    for (size_t i = 0; i < p.run.params.size(); ++i) {
      const std::string name = p.run.shape.params[i].name;
      if (p.run.shape.params[i].trainable)
        expectClose(p.run.diffParams[i],
                    ws.read(p.id + "_dparam" + std::to_string(i) + ".bin", p.run.params[i].dims()),
                    "gradient of " + name, where);
      // BatchNorm's running statistics after the forward (unchanged for other ops).
      expectClose(
          p.run.params[i],
          ws.read(p.id + "_param" + std::to_string(i) + "_after.bin", p.run.params[i].dims()),
          name + " after forward", where);
    }
  }
  for (const std::string& op : testedOps()) EXPECT_GE(perOp[op], 6) << op << " has too few cases";
}

TEST(TorchReference, LossesAndTopKMatch) {
  Workspace ws;
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
  const int rc = ws.runReference(manifest);
  if (rc == 77) GTEST_SKIP() << LOOM_PYTHON << " cannot import torch";
  ASSERT_EQ(rc, 0) << "torch_ops_reference.py failed; cases in " << ws.dir();
  for (const PendingLoss& p : pending) {
    if (p.kind == "topk") {
      Tensor count = ws.read(p.id + "_count.bin", {1}, DType::I64);
      ASSERT_FALSE(count.empty());
      EXPECT_EQ(p.count, count.data<std::int64_t>()[0]) << p.id;
      continue;
    }
    const double theirs = ws.readDouble(p.id + "_loss.bin");
    EXPECT_NEAR(p.loss, theirs, 1e-5 * std::max(1.0, std::fabs(theirs))) << p.kind << " " << p.id;
    expectClose(p.grad, ws.read(p.id + "_grad.bin", p.grad.dims()), "loss gradient",
                p.kind + " " + p.id);
  }
}
