// Behaviour without a PyTorch counterpart: Dropout statistics and mask reuse, training
// errors, loss argument checks, top-k tie rule, layout checks of the reference kernels.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/losses.h"
#include "op_case.h"

using namespace loom;
using namespace loom::test;

namespace {

OpRun mustPrepare(const OpCase& c) {
  auto r = OpRun::create(c);
  EXPECT_TRUE(r.hasValue()) << r.status().message();
  return std::move(*r);
}

Tensor labelsOf(std::initializer_list<std::int64_t> values) {
  Tensor t({static_cast<std::int64_t>(values.size())}, DType::I64);
  std::int64_t i = 0;
  for (auto v : values) t.data<std::int64_t>()[i++] = v;
  return t;
}

}  // namespace

TEST(Dropout, DropsAtTheRateAndScalesTheRest) {
  const double rate = 0.3;
  OpCase c{"Dropout", {{"rate", rate}}, {{4, 25000}}, true, 42};
  OpRun run = mustPrepare(c);
  std::mt19937_64 gen(1);
  fillAwayFromZero(run.src[0], gen);
  ASSERT_TRUE(run.forward().isOk());
  std::int64_t dropped = 0;
  const float scale = static_cast<float>(1.0 / (1.0 - rate));
  for (std::int64_t i = 0; i < run.dst.numel(); ++i) {
    const float x = run.src[0].f32()[i], y = run.dst.f32()[i];
    if (y == 0.0f)
      ++dropped;
    else
      ASSERT_FLOAT_EQ(y, x * scale) << i;
  }
  // Binomial(100000, 0.3): standard deviation 145; allow 5 sigma.
  EXPECT_NEAR(static_cast<double>(dropped), 0.3 * 100000, 5 * 145.0);

  // Backward routes through the same mask, with and without the saved copy.
  Tensor dy(run.dst.dims());
  fillUniform(dy, gen);
  ASSERT_TRUE(run.backward(dy).isOk());
  for (std::int64_t i = 0; i < dy.numel(); ++i) {
    const float expected = run.dst.f32()[i] == 0.0f ? 0.0f : dy.f32()[i] * scale;
    ASSERT_FLOAT_EQ(run.diffSrc[0].f32()[i], expected) << i;
  }
  Tensor withSaved = run.diffSrc[0].clone();
  run.saved.clear();
  ASSERT_TRUE(run.backward(dy).isOk());
  EXPECT_EQ(maxRelativeDifference(run.diffSrc[0], withSaved), 0.0);
}

TEST(Dropout, MaskIsAFunctionOfTheKey) {
  OpCase c{"Dropout", {{"rate", 0.5}}, {{2, 64}}, true, 7};
  OpRun a = mustPrepare(c), b = mustPrepare(c);
  c.rngKey = 8;
  OpRun other = mustPrepare(c);
  for (OpRun* r : {&a, &b, &other}) {
    r->src[0].fill(1.0f);
    ASSERT_TRUE(r->forward().isOk());
  }
  EXPECT_EQ(maxRelativeDifference(a.dst, b.dst), 0.0);
  EXPECT_GT(maxRelativeDifference(a.dst, other.dst), 0.0);
}

TEST(Dropout, InferenceIsIdentity) {
  OpCase c{"Dropout", {{"rate", 0.5}}, {{3, 10}}, false, 7};
  OpRun run = mustPrepare(c);
  std::mt19937_64 gen(2);
  fillUniform(run.src[0], gen);
  ASSERT_TRUE(run.forward().isOk());
  EXPECT_EQ(maxRelativeDifference(run.dst, run.src[0]), 0.0);
}

TEST(BatchNorm, TrainingNeedsMoreThanOneValuePerChannel) {
  OpRun run = mustPrepare({"BatchNorm", {}, {{1, 4}}, true, 0});
  Status st = run.forward();
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("[1, 4]"), std::string::npos) << st.message();
  run.spec.training = false;  // inference on one sample is fine
  EXPECT_TRUE(run.forward().isOk());
}

TEST(ReferenceKernels, RejectNonPlainLayouts) {
  // Straight to the op's kernel: OpRun would convert the input to the Plain layout first.
  const Op* relu = OpRegistry::global().find("ReLU");
  ASSERT_NE(relu, nullptr);
  auto attrs = resolveAttrs(relu->schema(), {});
  ASSERT_TRUE(attrs.hasValue());
  Tensor src({1, 2, 3, 3}, DType::F32, Layout::NHWC), dst({1, 2, 3, 3});
  KernelArgs args;
  args.attrs = &*attrs;
  args.src = {&src};
  args.dst = &dst;
  Status st = relu->forward(args);
  EXPECT_EQ(st.code(), ErrorCode::Internal);
  EXPECT_NE(st.message().find("got float32 nhwc"), std::string::npos) << st.message();
}

TEST(Losses, CrossEntropyKnownAnswer) {
  // Two classes with equal logits: p = 1/2, loss = log 2 for any label.
  Tensor logits({2, 2});
  logits.fill(3.0f);
  Tensor grad({2, 2});
  auto loss = softmaxCrossEntropy(logits, labelsOf({0, 1}), 0.0, &grad);
  ASSERT_TRUE(loss.hasValue());
  EXPECT_NEAR(*loss, std::log(2.0), 1e-7);
  // d/dx = (p - onehot) / N = (0.5 - 1) / 2 for the label, (0.5 - 0) / 2 otherwise.
  EXPECT_FLOAT_EQ(grad.f32()[0], -0.25f);
  EXPECT_FLOAT_EQ(grad.f32()[1], 0.25f);
}

TEST(Losses, ArgumentErrorsNameTheValues) {
  Tensor logits({2, 3});
  auto bad = softmaxCrossEntropy(logits, labelsOf({0, 3}));
  ASSERT_FALSE(bad.hasValue());
  EXPECT_NE(bad.status().message().find("label 3 at index 1 is outside [0, 3)"), std::string::npos)
      << bad.status().message();
  auto shape = softmaxCrossEntropy(logits, labelsOf({0, 1, 2}));
  ASSERT_FALSE(shape.hasValue());
  EXPECT_NE(shape.status().message().find("[3]"), std::string::npos);
  Tensor target({3, 2});
  auto mse = meanSquaredError(logits, target);
  ASSERT_FALSE(mse.hasValue());
  EXPECT_NE(mse.status().message().find("target has shape [3, 2] but the prediction has [2, 3]"),
            std::string::npos)
      << mse.status().message();
  Tensor t2({2, 3});
  t2.f32()[4] = 1.5f;
  auto bce = binaryCrossEntropyWithLogits(logits, t2);
  ASSERT_FALSE(bce.hasValue());
  EXPECT_NE(bce.status().message().find("index 4"), std::string::npos);
  EXPECT_FALSE(softmaxCrossEntropy(logits, labelsOf({0, 1}), 1.5).hasValue());
}

TEST(Losses, TopKCountsTiesForTheLabel) {
  // Row 0: label 1 scores 2, tied with class 2, nothing higher -> correct at k = 1.
  // Row 1: label 2 scores 0, two classes higher -> correct only at k = 3.
  Tensor scores({2, 3});
  const float v[] = {1, 2, 2, 3, 1, 0};
  std::copy(v, v + 6, scores.f32());
  const Tensor labels = labelsOf({1, 2});
  EXPECT_EQ(*countTopKCorrect(scores, labels, 1), 1);
  EXPECT_EQ(*countTopKCorrect(scores, labels, 2), 1);
  EXPECT_EQ(*countTopKCorrect(scores, labels, 3), 2);
  EXPECT_FALSE(countTopKCorrect(scores, labels, 0).hasValue());
}
