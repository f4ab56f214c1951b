// Central finite-difference gradient checks for every op's reference backward.
//
// The scalar checked is L = sum_j r_j * y_j with a fixed random r (= diffDst), summed in
// double. For every element of every input and trainable parameter:
//   numeric = (L(x + h) - L(x - h)) / (x_plus - x_minus),   h = 1e-3,
// dividing by the perturbation actually representable in float32. Inputs stay away from
// kinks (|x| >= 0.1 for ReLU/LeakyReLU/ELU) and ties (max-pool inputs spaced 0.05 apart,
// far more than 2h). Forward runs in float32, so the numeric gradient carries rounding
// noise of about 1e-4; the check is |numeric - analytic| <= 2e-3 + 1e-2 * |analytic|.
#include <gtest/gtest.h>

#include <random>

#include "op_cases.h"
#include "op_test_util.h"

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
      ADD_FAILURE() << what << " element " << i << ": analytic " << ana << ", numeric " << numeric
                    << " for " << run.spec.describe();
      ++failures;
    }
  }
}

void checkCase(const OpCase& c, std::mt19937_64& gen) {
  auto runOr = prepareRun(c);
  ASSERT_TRUE(runOr.hasValue()) << runOr.status().message();
  OpRun run = std::move(*runOr);
  fillForOp(run, gen);
  Tensor r(run.shape.output);
  fillUniform(r, gen);
  ASSERT_TRUE(run.forward().isOk()) << c.describe();
  ASSERT_TRUE(run.backward(r).isOk()) << c.describe();
  for (size_t i = 0; i < run.src.size(); ++i)
    checkTensor(run, run.src[i], run.diffSrc[i], r, "input " + std::to_string(i));
  for (size_t i = 0; i < run.params.size(); ++i)
    if (run.shape.params[i].trainable)
      checkTensor(run, run.params[i], run.diffParams[i], r, run.shape.params[i].name);
}

class GradCheck : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(GradCheck, BackwardMatchesFiniteDifferences) {
  const std::string op = GetParam();
  std::mt19937_64 gen(std::hash<std::string>{}(op) % 100000 + 5);
  const auto cases = randomCases(op, op == "Conv2D" ? 6 : 4, gen, true);
  ASSERT_FALSE(cases.empty());
  for (const OpCase& c : cases) {
    SCOPED_TRACE(c.describe());
    checkCase(c, gen);
  }
  if (op == "BatchNorm" || op == "Dropout") {  // inference mode too (cases above train)
    for (OpCase c : randomCases(op, 2, gen, true)) {
      c.training = false;
      SCOPED_TRACE(c.describe());
      checkCase(c, gen);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, GradCheck, ::testing::ValuesIn(testedOps()),
                         [](const auto& param) { return param.param; });
