// Central finite-difference gradient checks of every registered op on every backend.
//
// The scalar checked is L = sum_j r_j * y_j with a fixed random r (= diffDst), summed in
// double. For every element of every input and trainable parameter:
//   numeric = (L(x + h) - L(x - h)) / (x_plus - x_minus),   h = 1e-3,
// dividing by the perturbation actually representable in float32. Inputs are filled as the
// op's case set says (op_cases.cpp): away from kinks (|x| >= 0.1 for ReLU/LeakyReLU/ELU) and
// ties (max-pool inputs spaced 0.05 apart, far more than 2h). Forward runs in float32, so
// the numeric gradient carries rounding noise of about 1e-4; the check is
// |numeric - analytic| <= 2e-3 + 1e-2 * |analytic|. A backend that declines a case skips
// it (reported with the reason).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "op_cases.h"

using namespace loom;
using namespace loom::test;

namespace {

constexpr float kStep = 1e-3f;
constexpr double kAbsTol = 2e-3, kRelTol = 1e-2;

double weightedSum(const Tensor& y, const Tensor& r) {
  double s = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.f32()[i]) * r.f32()[i];
  return s;
}

// Checks d L / d t against `analytic`, perturbing `t` (an input or parameter of `run`).
void checkTensor(OpRun& run, Tensor& t, const Tensor& analytic, const Tensor& r,
                 const std::string& what) {
  int failures = 0;
  for (std::int64_t i = 0; i < t.numel() && failures < 5; ++i) {
    const float orig = t.f32()[i];
    const float plus = orig + kStep, minus = orig - kStep;
    t.f32()[i] = plus;
    ASSERT_TRUE(run.forward().isOk());
    const double lPlus = weightedSum(run.dst, r);
    t.f32()[i] = minus;
    ASSERT_TRUE(run.forward().isOk());
    const double lMinus = weightedSum(run.dst, r);
    t.f32()[i] = orig;
    const double numeric = (lPlus - lMinus) / (static_cast<double>(plus) - minus);
    const double ana = analytic.f32()[i];
    if (std::fabs(numeric - ana) > kAbsTol + kRelTol * std::fabs(ana)) {
      ADD_FAILURE() << what << " element " << i << ": analytic " << ana << ", numeric " << numeric;
      ++failures;
    }
  }
}

void checkRun(OpRun& run, InputFill fill, std::mt19937_64& gen) {
  fillRun(run, fill, gen);
  Tensor r(run.shape().output);
  fillUniform(r, gen);
  Status st = run.forward();
  ASSERT_TRUE(st.isOk()) << st.toString();
  st = run.backward(r);
  ASSERT_TRUE(st.isOk()) << st.toString();
  // forward() leaves diffSrc and diffParams alone, so they stay the analytic gradients.
  for (size_t i = 0; i < run.src.size(); ++i)
    checkTensor(run, run.src[i], run.diffSrc[i], r, "input " + std::to_string(i));
  for (size_t i = 0; i < run.params.size(); ++i)
    if (run.shape().params[i].trainable)
      checkTensor(run, run.params[i], run.diffParams[i], r, run.shape().params[i].name);
}

class GradCheck : public ::testing::TestWithParam<OpOnBackend> {};

}  // namespace

TEST_P(GradCheck, BackwardMatchesFiniteDifferences) {
  const OpOnBackend& p = GetParam();
  Backend* backend = backendNamed(p.backend);
  ASSERT_NE(backend, nullptr);
  const auto cases = casesFor(p.op, CaseSize::Small);
  ASSERT_FALSE(cases.empty()) << "no cases for op " << p.op << " in tests/engine/ops/op_cases.cpp";
  const InputFill fill = findCaseSet(p.op)->fill;
  std::mt19937_64 gen(5);
  int checked = 0;
  std::vector<std::string> declined;
  for (const OpCase& c : cases) {
    auto run = OpRun::create(c, *backend);
    if (!run && run.status().code() == ErrorCode::Unsupported) {
      declined.push_back(c.describe() + ": " + run.status().message());
      continue;
    }
    ASSERT_TRUE(run.hasValue()) << c.describe() << ": " << run.status().toString();
    SCOPED_TRACE(c.describe() + " [" + run->implName() + "]");
    checkRun(*run, fill, gen);
    if (HasFatalFailure()) return;
    ++checked;
  }
  for (const std::string& d : declined)
    std::printf("[ declined ] %s: %s\n", p.backend.c_str(), d.c_str());
  if (checked == 0)
    GTEST_SKIP() << "backend " << p.backend << " declines every case of " << p.op << ", e.g. "
                 << declined.front();
}

INSTANTIATE_TEST_SUITE_P(Registered, GradCheck, ::testing::ValuesIn(opsOnBackends(true)),
                         [](const auto& p) { return p.param.name(); });
