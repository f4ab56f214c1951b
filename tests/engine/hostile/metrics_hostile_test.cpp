// Accuracy must be the reference's number on degenerate scores: ties (a constant classifier)
// and NaN. The reference rule is PyTorch's torch.argmax (first maximum) for top-1, and a
// stable descending sort for top-k; both are recomputed here independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/ops/losses.h"

using namespace loom;

namespace {
Tensor labelsOf(const std::vector<std::int64_t>& v) {
  Tensor t(Dims{static_cast<std::int64_t>(v.size())}, DType::I64);
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

// Top-k by a stable sort of class indices on descending score: the reference.
std::int64_t referenceTopK(const Tensor& scores, const std::vector<std::int64_t>& labels, int k) {
  const std::int64_t n = scores.dim(0), classes = scores.dim(1);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> order(static_cast<size_t>(classes));
    std::iota(order.begin(), order.end(), 0);
    const float* row = scores.f32() + i * classes;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return row[a] > row[b]; });
    correct += std::find(order.begin(), order.begin() + k, labels[static_cast<size_t>(i)]) !=
               order.begin() + k;
  }
  return correct;
}
}  // namespace

TEST(AccuracyOnDegenerateScores, ConstantClassifierScoresOneInTenOnBalancedLabels) {
  // Every logit equal (a zero-initialised Dense): the old rule counted every row correct.
  Tensor scores({1000, 10});
  std::vector<std::int64_t> labels(1000);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 10);
  auto top1 = countTopKCorrect(scores, labelsOf(labels), 1);
  ASSERT_TRUE(top1.hasValue()) << top1.status().message();
  EXPECT_EQ(*top1, 100);  // only label 0 wins a tie broken by the lowest index: 10 %
  auto top3 = countTopKCorrect(scores, labelsOf(labels), 3);
  EXPECT_EQ(*top3, 300);  // labels 0, 1, 2
}

TEST(AccuracyOnDegenerateScores, TiesMatchAStableSortOnRandomQuantisedScores) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> level(0, 3);  // four levels: ties everywhere
  Tensor scores({500, 7});
  std::vector<std::int64_t> labels(500);
  for (std::int64_t i = 0; i < scores.numel(); ++i)
    scores.f32()[i] = static_cast<float>(level(rng));
  for (auto& l : labels) l = std::uniform_int_distribution<std::int64_t>(0, 6)(rng);
  for (int k : {1, 2, 3, 7}) {
    auto got = countTopKCorrect(scores, labelsOf(labels), k);
    ASSERT_TRUE(got.hasValue());
    EXPECT_EQ(*got, referenceTopK(scores, labels, k)) << "k = " << k;
  }
}

TEST(AccuracyOnDegenerateScores, NaNScoresAreAnErrorNotACorrectRow) {
  Tensor scores({2, 3});
  scores.f32()[4] = std::nanf("");
  auto r = countTopKCorrect(scores, labelsOf({0, 1}), 1);
  ASSERT_FALSE(r.hasValue());  // the old rule counted the NaN row as correct
  EXPECT_EQ(r.status().code(), ErrorCode::NonFinite);
  EXPECT_NE(r.status().message().find("row 1"), std::string::npos) << r.status().message();
}
