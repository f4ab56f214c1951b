// Every registered op on every backend against the op's reference kernel.
//
// For each (op, backend) pair and each Normal case of the op (op_cases.cpp), the backend's
// kernel and the reference kernel run forward and backward on the same random data; dst,
// diffSrc, the params after forward (BatchNorm's running statistics) and diffParams must
// agree within 1e-4 relative (maxRelativeDifference). Rank-4 tensors go in both in the
// layouts the kernel declares and Plain (its staging path). Each kernel then runs a second
// step on new data, which catches state left over from the first.
//
// A backend that declines a case says why; the case is reported as skipped on it, and a
// backend that declines every case of an op skips the pair (GTEST_SKIP with the reason).
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "op_cases.h"

using namespace loom;
using namespace loom::test;

namespace {

constexpr double kTolerance = 1e-4;

class OpOnBackendTest : public ::testing::TestWithParam<OpOnBackend> {};

bool hasRank4(const OpCase& c) {
  for (const Dims& d : c.inputs)
    if (d.size() == 4) return true;
  return false;
}

// One step of `run` and `ref` on the data `ref` was filled with; failures name the case.
void stepAndCompare(OpRun& run, OpRun& ref, const Tensor& diffDst, const std::string& where) {
  run.copyDataFrom(ref);
  ASSERT_TRUE(ref.forward().isOk()) << where;
  ASSERT_TRUE(ref.backward(diffDst).isOk()) << where;
  Status st = run.forward();
  ASSERT_TRUE(st.isOk()) << where << ": forward: " << st.toString();
  st = run.backward(diffDst);
  ASSERT_TRUE(st.isOk()) << where << ": backward: " << st.toString();
  for (const std::string& m : compareRuns(run, ref, kTolerance))
    ADD_FAILURE() << where << ": " << m;
}

}  // namespace

TEST_P(OpOnBackendTest, MatchesTheReferenceKernel) {
  const OpOnBackend& p = GetParam();
  Backend* backend = backendNamed(p.backend);
  ASSERT_NE(backend, nullptr);
  const auto cases = casesFor(p.op, CaseSize::Normal);
  ASSERT_FALSE(cases.empty()) << "no cases for op " << p.op << " in tests/engine/ops/op_cases.cpp";
  const InputFill fill = findCaseSet(p.op)->fill;
  std::mt19937_64 gen(17);
  int checked = 0;
  std::vector<std::string> declined;
  for (const OpCase& c : cases) {
    for (Feed feed : {Feed::Declared, Feed::Plain}) {
      if (feed == Feed::Plain && !hasRank4(c)) continue;
      const std::string where = c.describe() + (feed == Feed::Plain ? " fed Plain" : "");
      auto run = OpRun::create(c, *backend, feed);
      if (!run && run.status().code() == ErrorCode::Unsupported) {
        declined.push_back(where + ": " + run.status().message());
        continue;
      }
      ASSERT_TRUE(run.hasValue()) << where << ": " << run.status().toString();
      auto ref = OpRun::create(c);
      ASSERT_TRUE(ref.hasValue()) << where << ": " << ref.status().toString();
      SCOPED_TRACE(where + " [" + run->implName() + "]");
      for (int step = 0; step < 2; ++step) {
        fillRun(*ref, fill, gen);
        Tensor diffDst(ref->shape().output);
        fillUniform(diffDst, gen);
        stepAndCompare(*run, *ref, diffDst, where + " step " + std::to_string(step + 1));
        if (HasFatalFailure()) return;
      }
      ++checked;
    }
  }
  for (const std::string& d : declined)
    std::printf("[ declined ] %s: %s\n", p.backend.c_str(), d.c_str());
  if (checked == 0)
    GTEST_SKIP() << "backend " << p.backend << " declines every case of " << p.op << ", e.g. "
                 << declined.front();
  std::printf("[ checked ] %s on %s: %d runs, %zu declined\n", p.op.c_str(), p.backend.c_str(),
              checked, declined.size());
}

INSTANTIATE_TEST_SUITE_P(Registered, OpOnBackendTest, ::testing::ValuesIn(opsOnBackends(false)),
                         [](const auto& p) { return p.param.name(); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpOnBackendTest);
