// What is particular to the oneDNN CPU backend. Its numbers (every op's cases against the
// reference kernel, PyTorch and finite differences) are checked by the op harness
// (tests/engine/ops: ops_backends_test, ops_torch_test, ops_gradcheck_test); this test
// uses the harness's cases and runs (op_case.h, op_cases.h) to check what the harness
// cannot know: which cases the backend must accept, which it declines and why, which
// implementations it picks, and that kernels keep no state between steps.
#include <gtest/gtest.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <random>
#include <string>
#include <vector>

#include "../ops/op_cases.h"

using namespace loom;
using namespace loom::test;

namespace {

using Ints = std::vector<std::int64_t>;

Backend& cpuBackend() {
  static std::unique_ptr<Backend> backend = makeCpuBackend();
  return *backend;
}

OpRun mustCreate(const OpCase& c, Backend* backend = nullptr) {
  auto run = backend ? OpRun::create(c, *backend) : OpRun::create(c);
  EXPECT_TRUE(run.hasValue()) << c.describe() << ": " << run.status().toString();
  return std::move(*run);
}

// The one harness case the backend declines on purpose although it implements the op.
struct ExpectedDecline {
  std::string op, reasonContains;
};
const std::vector<ExpectedDecline>& expectedDeclines() {
  static const std::vector<ExpectedDecline> list = {
      {"Flatten", "not [N, C, H, W]"},  // a copy in any other rank: the reference kernel does it
  };
  return list;
}

}  // namespace

// Every op the backend implements takes every harness case, so no geometry (groups,
// dilation, asymmetric pads, depthwise, stride-0 pools, ...) quietly falls back to the
// reference kernel. Ops it does not implement are declined as a whole, with the op named.
TEST(CpuBackend, AcceptsEveryHarnessCaseOfTheOpsItImplements) {
  for (const std::string& op : opsUnderTest()) {
    int accepted = 0;
    std::vector<std::string> declined;
    for (const OpCase& c : casesFor(op, CaseSize::Normal)) {
      auto run = OpRun::create(c, cpuBackend());
      if (run.hasValue()) {
        ++accepted;
        continue;
      }
      ASSERT_EQ(run.status().code(), ErrorCode::Unsupported)
          << c.describe() << ": " << run.status().toString();
      bool expected = false;
      for (const ExpectedDecline& e : expectedDeclines())
        expected |=
            e.op == op && run.status().message().find(e.reasonContains) != std::string::npos;
      if (!expected) declined.push_back(c.describe() + ": " + run.status().message());
    }
    if (accepted == 0) {
      ASSERT_FALSE(declined.empty());
      EXPECT_NE(declined.front().find("no oneDNN kernel for op " + op), std::string::npos)
          << declined.front();
      continue;
    }
    for (const std::string& d : declined)
      ADD_FAILURE() << op << " has a oneDNN kernel but declined " << d;
  }
}

TEST(CpuBackend, Conv2DPicksOptimisedImplementations) {
  if (dnnl::get_effective_cpu_isa() < dnnl::cpu_isa::avx2)
    GTEST_SKIP() << "this CPU has no AVX2, so oneDNN has no optimised convolution to pick";
  const OpRun run = mustCreate({"Conv2D",
                                {{"filters", std::int64_t{64}},
                                 {"kernel_size", Ints{5, 5}},
                                 {"padding", std::string("same")}},
                                {{8, 32, 14, 14}}},
                               &cpuBackend());
  const std::string impl = run.implName();
  EXPECT_EQ(impl.find("ref"), std::string::npos) << impl;
  EXPECT_EQ(impl.find("gemm"), std::string::npos) << impl;
  EXPECT_EQ(run.kernel().inputLayout(0), Layout::NHWC);
  EXPECT_EQ(run.kernel().outputLayout(), Layout::NHWC);
}

TEST(CpuBackend, BatchNormRunningStatisticsOverSteps) {
  const OpCase c{"BatchNorm", {{"momentum", 0.2}}, {{3, 4, 4, 4}}};
  OpRun ref = mustCreate(c), dnn = mustCreate(c, &cpuBackend());
  std::mt19937_64 gen(3);
  fillRun(ref, InputFill::Uniform, gen);
  dnn.copyDataFrom(ref);
  for (int step = 1; step <= 4; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    Tensor diffDst(ref.shape().output);
    fillUniform(diffDst, gen);
    for (OpRun* r : {&ref, &dnn}) {
      ASSERT_TRUE(r->forward().isOk());
      ASSERT_TRUE(r->backward(diffDst).isOk());
    }
    for (const std::string& m : compareRuns(dnn, ref, 1e-4)) ADD_FAILURE() << m;
    // Fresh data next step; each side carries its own running statistics forward.
    fillUniform(ref.src[0], gen);
    dnn.src[0] = ref.src[0].clone();
  }
}

TEST(CpuBackend, BatchNormWithOneValuePerChannelFailsLikeReference) {
  OpRun run = mustCreate({"BatchNorm", {}, {{1, 3}}}, &cpuBackend());
  const Status st = run.forward();
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("more than one value per channel"), std::string::npos)
      << st.message();
}

TEST(CpuBackend, DeclinesWithReasons) {
  const std::vector<std::pair<OpCase, std::string>> cases = {
      {{"Reshape", {{"shape", Ints{2, -1}}}, {{2, 3, 4}}}, "no oneDNN kernel for op Reshape"},
      {{"Flatten", {}, {{2, 3, 4}}}, "not [N, C, H, W]"},
  };
  for (const auto& [c, reason] : cases) {
    SCOPED_TRACE(c.describe());
    auto run = OpRun::create(c, cpuBackend());
    ASSERT_FALSE(run.hasValue());
    EXPECT_EQ(run.status().code(), ErrorCode::Unsupported);
    EXPECT_NE(run.status().message().find(reason), std::string::npos) << run.status().message();
  }
}

// Bit for bit: a kernel that ran three steps and a fresh one give the same third step.
TEST(CpuBackend, ReusedKernelMatchesFreshKernel) {
  for (const char* op :
       {"Conv2D", "Dense", "MaxPool2D", "BatchNorm", "Softmax", "Concat", "Dropout"}) {
    const OpCase c = casesFor(op, CaseSize::Normal).front();
    SCOPED_TRACE(c.describe());
    OpRun reused = mustCreate(c, &cpuBackend());
    OpRun fresh = mustCreate(c, &cpuBackend());
    const InputFill fill = findCaseSet(op)->fill;
    std::mt19937_64 gen(100);
    Tensor diffDst(reused.shape().output);
    for (int step = 1; step <= 3; ++step) {
      fillRun(reused, fill, gen);
      fillUniform(diffDst, gen);
      ASSERT_TRUE(reused.forward().isOk());
      ASSERT_TRUE(reused.backward(diffDst).isOk());
    }
    // The third step's inputs and params as they were before its forward.
    std::mt19937_64 replay(100);
    for (int step = 1; step <= 3; ++step) {
      fillRun(fresh, fill, replay);
      fillUniform(diffDst, replay);
    }
    ASSERT_TRUE(fresh.forward().isOk());
    ASSERT_TRUE(fresh.backward(diffDst).isOk());
    for (const std::string& m : compareRuns(reused, fresh, 0.0)) ADD_FAILURE() << m;
  }
}
