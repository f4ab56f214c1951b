// PCA, kNN, t-SNE, UMAP and Procrustes (engine/embed) against independent references:
// scikit-learn and SciPy (tests/python/embed_reference.py), brute force in double precision,
// known rotations.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>

#include "engine/core/npy.h"
#include "engine/data/dataset.h"
#include "engine/embed/knn.h"
#include "engine/embed/pca.h"
#include "engine/embed/trajectory.h"
#include "engine/embed/tsne.h"
#include "engine/embed/umap.h"
#include "tests/support/run_command.h"

namespace loom::embed {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_projection_test_" + std::to_string(::getpid())) / name;
  fs::create_directories(dir);
  return dir;
}

test::CommandResult reference(const std::string& args) {
  return test::runCommand(std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
                          "/tests/python/embed_reference.py " + args + " 2>&1");
}

/// The first n Fashion-MNIST test images as F32 [n, 784] in [0, 1].
Tensor fashionPixels(std::int64_t n) {
  auto test = loadFashionMnist("", Split::Test);
  EXPECT_TRUE(test.hasValue()) << test.status().message();
  if (!test.hasValue()) return Tensor({n, 784});
  Tensor x({n, 784});
  for (std::int64_t i = 0; i < n * 784; ++i)
    x.f32()[i] = static_cast<float>(test->images.data<std::uint8_t>()[i]) / 255.0f;
  return x;
}

/// Correlated Gaussian data: z [n, d] times a fixed random mixing matrix, plus an offset.
Tensor correlated(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> mix(static_cast<std::size_t>(d * d));
  for (auto& v : mix) v = normal(rng);
  Tensor x({n, d});
  std::vector<double> z(static_cast<std::size_t>(d));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < d; ++j) z[static_cast<std::size_t>(j)] = normal(rng) * (1.0 + j);
    for (std::int64_t j = 0; j < d; ++j) {
      double s = 3.0 + j;
      for (std::int64_t t = 0; t < d; ++t)
        s += z[static_cast<std::size_t>(t)] * mix[static_cast<std::size_t>(t * d + j)] /
             std::sqrt(d);
      x.f32()[i * d + j] = static_cast<float>(s);
    }
  }
  return x;
}

void expectPcaMatchesSklearn(const Tensor& x, std::int64_t k, PcaSolver solver, double tol,
                             const std::string& name) {
  const fs::path dir = scratch("pca_" + name);
  ASSERT_TRUE(writeNpy((dir / "x.npy").string(), x).isOk());
  const auto r =
      reference("pca " + (dir / "x.npy").string() + " " + std::to_string(k) + " " + dir.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  auto comps = readNpy((dir / "components.npy").string());
  auto var = readNpy((dir / "explained_variance.npy").string());
  auto ratio = readNpy((dir / "ratio.npy").string());
  ASSERT_TRUE(comps.hasValue() && var.hasValue() && ratio.hasValue());
  PcaOptions o;
  o.components = k;
  o.solver = solver;
  auto p = pca(x, o);
  ASSERT_TRUE(p.hasValue()) << p.status().message();
  const std::int64_t d = x.dim(1);
  for (std::int64_t c = 0; c < k; ++c) {
    // Up to sign: compare with the sign that fits best.
    double dot = 0;
    for (std::int64_t j = 0; j < d; ++j)
      dot += static_cast<double>(p->components.f32()[c * d + j]) * comps->f32()[c * d + j];
    const double sign = dot < 0 ? -1 : 1;
    double worst = 0;
    for (std::int64_t j = 0; j < d; ++j)
      worst = std::max(worst,
                       std::fabs(sign * p->components.f32()[c * d + j] - comps->f32()[c * d + j]));
    EXPECT_LT(worst, tol) << name << " component " << c;
    const double v = var->f32()[c];
    EXPECT_LT(std::fabs(p->explainedVariance[static_cast<std::size_t>(c)] - v) / v, tol)
        << name << " explained variance " << c << ": "
        << p->explainedVariance[static_cast<std::size_t>(c)] << " vs " << v;
    EXPECT_LT(std::fabs(p->explainedVarianceRatio[static_cast<std::size_t>(c)] - ratio->f32()[c]),
              tol)
        << name << " ratio " << c;
  }
}

TEST(Pca, ExactMatchesSklearnOnCorrelatedData) {
  expectPcaMatchesSklearn(correlated(3000, 40, 5), 10, PcaSolver::Exact, 1e-4, "correlated");
}

TEST(Pca, ExactMatchesSklearnOnFashionMnistPixels) {
  expectPcaMatchesSklearn(fashionPixels(3000), 8, PcaSolver::Exact, 1e-4, "fashion");
}

TEST(Pca, RandomizedMatchesSklearnOnFashionMnistPixels) {
  expectPcaMatchesSklearn(fashionPixels(3000), 5, PcaSolver::Randomized, 1e-4, "randomized");
}

TEST(Pca, RefusesBadArguments) {
  PcaOptions o;
  o.components = 4;
  auto p = pca(Tensor({5, 3}), o);
  ASSERT_FALSE(p.hasValue());
  EXPECT_NE(p.status().message().find("components must be in [1, 3]"), std::string::npos)
      << p.status().message();
}

TEST(Knn, HnswRecallAtTenIsAtLeast098AgainstExact) {
  PcaOptions po;
  po.components = 50;
  auto reduced = pca(fashionPixels(10000), po);
  ASSERT_TRUE(reduced.hasValue());
  KnnOptions o;
  o.k = 10;
  o.method = KnnMethod::Exact;
  auto exact = nearestNeighbors(reduced->projected, o);
  o.method = KnnMethod::Hnsw;
  auto approx = nearestNeighbors(reduced->projected, o);
  ASSERT_TRUE(exact.hasValue() && approx.hasValue());
  const double recall = recallAtK(*approx, *exact);
  std::printf("recall@10 hnsw vs exact on 10,000 Fashion-MNIST (PCA-50): %.4f\n", recall);
  EXPECT_GE(recall, 0.98);
  EXPECT_LT(recall, 1.0 + 1e-12);
}

TEST(Knn, ExactAgreesWithBruteForceInDoublePrecision) {
  const Tensor x = correlated(1500, 12, 9);
  KnnOptions o;
  o.k = 7;
  o.method = KnnMethod::Exact;
  auto g = nearestNeighbors(x, o);
  ASSERT_TRUE(g.hasValue());
  const std::int64_t d = 12;
  for (std::int64_t i = 0; i < 1500; i += 37) {
    std::vector<std::pair<double, std::int32_t>> all;
    for (std::int64_t j = 0; j < 1500; ++j) {
      if (j == i) continue;
      double s = 0;
      for (std::int64_t t = 0; t < d; ++t) {
        const double diff = static_cast<double>(x.f32()[i * d + t]) - x.f32()[j * d + t];
        s += diff * diff;
      }
      all.emplace_back(std::sqrt(s), static_cast<std::int32_t>(j));
    }
    std::sort(all.begin(), all.end());
    for (std::int64_t t = 0; t < 7; ++t) {
      EXPECT_EQ(g->indices[static_cast<std::size_t>(i * 7 + t)],
                all[static_cast<std::size_t>(t)].second)
          << "point " << i << " rank " << t;
      EXPECT_NEAR(g->distances[static_cast<std::size_t>(i * 7 + t)],
                  all[static_cast<std::size_t>(t)].first,
                  1e-3 * (1 + all[static_cast<std::size_t>(t)].first));
    }
  }
}

TEST(Knn, CosineDistanceIsOneMinusCosineSimilarity) {
  Tensor x({3, 2});
  const float v[] = {1, 0, 0, 2, 3, 3};
  std::copy(v, v + 6, x.f32());
  KnnOptions o;
  o.k = 2;
  o.metric = KnnMetric::Cosine;
  o.method = KnnMethod::Exact;
  auto g = nearestNeighbors(x, o);
  ASSERT_TRUE(g.hasValue());
  EXPECT_EQ(g->indices[0], 2);
  EXPECT_NEAR(g->distances[0], 1.0 - std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(g->distances[1], 1.0, 1e-6);
}

TEST(Umap, AbFitMatchesScipyCurveFit) {
  for (auto [spread, minDist] : {std::pair{1.0, 0.1}, std::pair{1.0, 0.5}, std::pair{2.0, 0.05}}) {
    const auto r = reference("ab " + std::to_string(spread) + " " + std::to_string(minDist));
    ASSERT_EQ(r.rc, 0) << r.out;
    std::istringstream in(r.out);
    double a = 0, b = 0;
    in >> a >> b;
    const auto [la, lb] = fitUmapAB(spread, minDist);
    EXPECT_NEAR(la, a, 1e-3 * a) << spread << " " << minDist;
    EXPECT_NEAR(lb, b, 1e-3 * b) << spread << " " << minDist;
  }
}

TEST(Procrustes, UndoesAKnownRotationReflectionAndShift) {
  const Tensor ref = correlated(200, 2, 3);
  Tensor moved({200, 2});
  const double c = std::cos(1.1), s = std::sin(1.1);
  for (int i = 0; i < 200; ++i) {
    const double x = ref.f32()[2 * i], y = ref.f32()[2 * i + 1];
    moved.f32()[2 * i] = static_cast<float>(-(c * x - s * y) + 5);  // rotate, reflect, shift
    moved.f32()[2 * i + 1] = static_cast<float>(s * x + c * y - 2);
  }
  auto aligned = procrustesAlign(moved, ref);
  ASSERT_TRUE(aligned.hasValue());
  EXPECT_LT(maxRelativeDifference(*aligned, ref), 1e-4);
}

TEST(Trajectory, PcaLayoutsAreAlignedToThePreviousCheckpoint) {
  const Tensor a = correlated(400, 6, 11);
  Tensor b = a.clone();  // the same geometry with flipped axes: PCA's signs may differ
  for (int i = 0; i < 400 * 6; ++i) b.f32()[i] = -a.f32()[i] * 2.0f;
  ProjectionOptions o;
  o.method = Projection::Pca;
  auto layouts = trajectory({a, b}, o);
  ASSERT_TRUE(layouts.hasValue()) << layouts.status().message();
  ASSERT_EQ(layouts->size(), 2u);
  // b's layout is a's scaled by 2 about the mean: after alignment they correlate at +1.
  double sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < 800; ++i) {
    sab += static_cast<double>((*layouts)[0].f32()[i]) * (*layouts)[1].f32()[i];
    saa += static_cast<double>((*layouts)[0].f32()[i]) * (*layouts)[0].f32()[i];
    sbb += static_cast<double>((*layouts)[1].f32()[i]) * (*layouts)[1].f32()[i];
  }
  EXPECT_GT(sab / std::sqrt(saa * sbb), 0.9999);
}

TEST(Tsne, SameLayoutForOneAndTwoThreadsAndStreamsIntermediateLayouts) {
  PcaOptions po;
  po.components = 30;
  auto x = pca(fashionPixels(600), po);
  ASSERT_TRUE(x.hasValue());
  TsneOptions o;
  o.iterations = 300;
  o.seed = 4;
  o.threads = 1;
  std::vector<std::int64_t> seen;
  EmbedControl control;
  control.layoutEvery = 100;
  control.onLayout = [&](std::int64_t it, const std::vector<float>& layout) {
    seen.push_back(it);
    EXPECT_EQ(layout.size(), 1200u);
  };
  auto one = tsne(x->projected, o, control);
  o.threads = 2;
  auto two = tsne(x->projected, o);
  ASSERT_TRUE(one.hasValue() && two.hasValue());
  EXPECT_EQ(maxRelativeDifference(one->layout, two->layout), 0.0);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{100, 200, 300}));
  EXPECT_GT(one->klDivergence, 0.0);
  o.seed = 5;
  o.init = TsneInit::Random;
  auto other = tsne(x->projected, o);
  ASSERT_TRUE(other.hasValue());
  EXPECT_GT(maxRelativeDifference(one->layout, other->layout), 1e-3);
}

TEST(Tsne, CancelStopsWithCancelled) {
  auto x = fashionPixels(300);
  std::atomic<bool> cancel{false};
  EmbedControl control;
  control.cancel = &cancel;
  control.onProgress = [&](const EmbedProgress& p) {
    if (p.stage == "optimize" && p.done == 20) cancel = true;
  };
  TsneOptions o;
  o.iterations = 1000;
  auto r = tsne(x, o, control);
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::Cancelled);
}

TEST(Tsne, RefusesAPerplexityTooLargeForThePoints) {
  TsneOptions o;
  o.perplexity = 30;
  auto r = tsne(correlated(20, 3, 1), o);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("perplexity must be in (0, 20)"), std::string::npos)
      << r.status().message();
}

TEST(Umap, SameLayoutForOneAndTwoThreads) {
  auto x = fashionPixels(500);
  UmapOptions o;
  o.epochs = 100;
  o.threads = 1;
  auto one = umap(x, o);
  o.threads = 2;
  auto two = umap(x, o);
  ASSERT_TRUE(one.hasValue() && two.hasValue()) << one.status().message();
  EXPECT_EQ(maxRelativeDifference(one->layout, two->layout), 0.0);
}

}  // namespace
}  // namespace loom::embed
