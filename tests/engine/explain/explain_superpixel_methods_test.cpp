// Acceptance 1 of issue 9, superpixel half. References are independent of the code tested:
//  * SLIC labels equal OpenCV's own (python cv2.ximgproc, the same call) on real images,
//    grey and colour, for SLIC, SLICO and MSLIC (tests/python/cv2_slic_reference.py);
//  * KernelSHAP with all 256 coalitions of 8 superpixels equals the Shapley values computed
//    here by the enumeration formula phi_i = sum_S |S|!(M-|S|-1)!/M! (f(S+i) - f(S)) from
//    the model's own scores, within 1e-3;
//  * LIME and KernelSHAP recover the coefficients of a model that is linear in its superpixel
//    indicators (a Dense layer whose weights are built from the segmentation);
//  * sampled KernelSHAP keeps efficiency exactly and the memory stays in chunks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/backends/backend.h"
#include "engine/explain/perturbation_methods.h"
#include "engine/explain/probe.h"
#include "engine/explain/superpixels.h"
#include "explain_fixture.h"
#include "support/torch_exchange.h"

using namespace loom;
using loom::test::TorchExchange;

namespace {

const std::vector<float> kBlack = {-0.2860f / 0.3530f};
const std::vector<float> kWhite = {(1 - 0.2860f) / 0.3530f};

TEST(ExplainSuperpixels, SlicLabelsEqualOpenCvPython) {
  Tensor x = test::fashionImages(0, 3, nullptr, false);
  TorchExchange ex("loom_explain_slic");
  ASSERT_FALSE(ex.dir().empty());
  nlohmann::json manifest;
  struct Case {
    Tensor image;
    SuperpixelOptions options;
  };
  std::vector<Case> cases;
  const Dims grey{1, 28, 28};
  for (int i = 0; i < 3; ++i) {
    Case c{toDisplayImage(x.f32() + i * 784, grey, kBlack, kWhite), {}};
    c.options.algorithm = static_cast<SlicAlgorithm>(i);
    c.options.regionSize = 5 + i;
    cases.push_back(c);
  }
  // A colour image: three different garments as the B, G and R planes.
  Tensor rgb(Dims{3, 28, 28}, DType::U8);
  for (int k = 0; k < 3; ++k)
    std::memcpy(rgb.data<std::uint8_t>() + k * 784,
                toDisplayImage(x.f32() + k * 784, grey, kBlack, kWhite).raw(), 784);
  for (int i = 0; i < 2; ++i) {
    Case c{rgb, {}};
    c.options.algorithm = i == 0 ? SlicAlgorithm::Slic : SlicAlgorithm::Slico;
    c.options.regionSize = 6;
    c.options.ruler = 20.0f;
    c.options.minElementSize = i == 0 ? 25 : 0;
    cases.push_back(c);
  }
  std::vector<Segmentation> ours;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto seg = slicSuperpixels(cases[i].image, cases[i].options);
    ASSERT_TRUE(seg) << seg.status().message();
    ours.push_back(std::move(*seg));
    const SuperpixelOptions& o = cases[i].options;
    manifest["cases"].push_back(
        {{"image", ex.write("image_" + std::to_string(i) + ".u8", cases[i].image)},
         {"algorithm", 100 + static_cast<int>(o.algorithm)},
         {"region_size", o.regionSize},
         {"ruler", o.ruler},
         {"iterations", o.iterations},
         {"min_element_size", o.minElementSize}});
  }
  const Status st = ex.run("cv2_slic_reference.py", manifest);
  ASSERT_TRUE(st.isOk()) << st.toString();
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const std::vector<char> bytes = ex.readBytes("labels_" + std::to_string(i) + ".i32");
    ASSERT_EQ(bytes.size(), 4u * 784u);
    std::vector<std::int32_t> ref(784);
    std::memcpy(ref.data(), bytes.data(), bytes.size());
    EXPECT_EQ(ours[i].labels, ref);
    EXPECT_EQ(ours[i].count, std::stoll(ex.readText("count_" + std::to_string(i) + ".txt")));
    EXPECT_GT(ours[i].count, 4);
  }
}

TEST(ExplainSuperpixels, BadImagesAreRefusedByName) {
  auto bad = slicSuperpixels(Tensor(Dims{2, 8, 8}, DType::U8), {});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("[2, 8, 8]"), std::string::npos) << bad.status().message();
}

class ExplainShap : public ::testing::Test {
 protected:
  void SetUp() override {
    m_model = test::parseOrFail(test::kSmallCnn);
    m_params = test::seededParams(m_model, 5);
    ASSERT_TRUE(m_params);
    m_x = test::fashionImages(10, 2, &m_labels);
    m_cpu = makeCpuBackend();
    ProbeOptions o;
    o.backends = {m_cpu.get()};
    o.maxBatch = 32;
    auto p = ModelProbe::create(m_model.graph, *m_params, o);
    ASSERT_TRUE(p) << p.status().message();
    m_probe = std::make_unique<ModelProbe>(std::move(*p));
  }
  Model m_model;
  std::unique_ptr<ParameterSet> m_params;
  Tensor m_x;
  std::vector<std::int64_t> m_labels;
  std::unique_ptr<Backend> m_cpu;
  std::unique_ptr<ModelProbe> m_probe;
};

double factorial(int n) {
  return std::tgamma(n + 1.0);
}

TEST_F(ExplainShap, AllCoalitionsGiveExactShapleyValues) {
  const std::int64_t m = 8;
  const Segmentation seg = gridSegmentation(28, 28, 2, 4);
  KernelShapOptions o;
  o.coalitions = 254;  // every coalition but the empty and the full one
  o.baseline.black = kBlack;
  auto shap = kernelShap(*m_probe, m_x, m_labels, ScoreKind::Logit, {seg, seg}, o);
  ASSERT_TRUE(shap) << shap.status().message();

  for (std::int64_t i = 0; i < 2; ++i) {
    // f of every coalition, from the model directly.
    std::vector<double> f(256);
    const float* xi = m_x.f32() + i * 784;
    Status st = m_probe->scores(
        256,
        [&](std::int64_t bits, float* dst) {
          for (int p = 0; p < 784; ++p)
            dst[p] = (bits >> seg.labels[static_cast<size_t>(p)]) & 1 ? xi[p] : kBlack[0];
        },
        [&](std::int64_t) { return m_labels[static_cast<size_t>(i)]; }, ScoreKind::Logit,
        [&](const ProbeChunk& c) {
          for (std::int64_t r = 0; r < c.count; ++r)
            f[static_cast<size_t>(c.first + r)] = c.scores[static_cast<size_t>(r)];
          return Status::ok();
        });
    ASSERT_TRUE(st.isOk()) << st.message();
    for (int j = 0; j < m; ++j) {
      double phi = 0;
      for (int bits = 0; bits < 256; ++bits) {
        if (bits >> j & 1) continue;
        const int size = __builtin_popcount(static_cast<unsigned>(bits));
        phi += factorial(size) * factorial(m - size - 1) / factorial(m) *
               (f[static_cast<size_t>(bits | 1 << j)] - f[static_cast<size_t>(bits)]);
      }
      EXPECT_NEAR(shap->coefficients[static_cast<size_t>(i)][static_cast<size_t>(j)], phi, 1e-3)
          << "sample " << i << " superpixel " << j;
    }
  }
}

TEST_F(ExplainShap, SampledKernelShapIsEfficient) {
  const Segmentation seg = gridSegmentation(28, 28, 4, 4);  // 16 features: 65534 coalitions
  KernelShapOptions o;
  o.coalitions = 500;
  o.baseline.black = kBlack;
  const std::int64_t before = m_probe->passes();
  auto shap = kernelShap(*m_probe, m_x, m_labels, ScoreKind::Probability, {seg, seg}, o);
  ASSERT_TRUE(shap) << shap.status().message();
  // 502 evaluations per image in chunks of 32: 16 passes each, never all at once.
  EXPECT_EQ(m_probe->passes() - before, 2 * 16);
  for (size_t i = 0; i < 2; ++i) {
    double sum = 0;
    for (double v : shap->coefficients[i]) sum += v;
    EXPECT_NEAR(sum, shap->scores[i] - shap->metrics["baseline_score"][i], 1e-9);
  }
}

/// A model whose logit 0 is sum_j c_j * (mean of superpixel j's pixels) + b: with an input
/// of ones and a baseline of zeros, f(z) = sum_j c_j z_j + b exactly.
struct LinearInSuperpixels {
  Model model;
  std::unique_ptr<ParameterSet> params;
  std::vector<double> c;
};

LinearInSuperpixels linearModel(const Segmentation& seg) {
  LinearInSuperpixels lin;
  lin.model = test::parseOrFail(R"(
format_version: 2
name: "linear"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "fl" op: "Flatten" input: "image" }
  node { name: "d" op: "Dense" input: "fl" attr { name: "units" i: 2 } }
}
)");
  lin.params = test::seededParams(lin.model, 3);
  std::vector<int> size(static_cast<size_t>(seg.count), 0);
  for (std::int32_t l : seg.labels) ++size[static_cast<size_t>(l)];
  for (std::int64_t j = 0; j < seg.count; ++j)
    lin.c.push_back(std::sin(1.7 * static_cast<double>(j) + 0.3) * 2.0);
  Tensor& w = lin.params->find("d.weights")->value;
  for (int p = 0; p < 784; ++p) {
    const std::int32_t l = seg.labels[static_cast<size_t>(p)];
    w.f32()[p] = static_cast<float>(lin.c[static_cast<size_t>(l)] / size[static_cast<size_t>(l)]);
  }
  lin.params->find("d.bias")->value.f32()[0] = 0.5f;
  return lin;
}

TEST(ExplainLinear, LimeAndKernelShapRecoverCoefficients) {
  Tensor real = test::fashionImages(3, 1, nullptr, false);
  auto seg = slicSuperpixels(toDisplayImage(real.f32(), {1, 28, 28}, kBlack, kWhite), {});
  ASSERT_TRUE(seg) << seg.status().message();
  ASSERT_GT(seg->count, 6);
  LinearInSuperpixels lin = linearModel(*seg);
  auto cpu = makeCpuBackend();
  ProbeOptions po;
  po.backends = {cpu.get()};
  auto probe = ModelProbe::create(lin.model.graph, *lin.params, po);
  ASSERT_TRUE(probe) << probe.status().message();
  Tensor ones(Dims{1, 1, 28, 28});
  ones.fill(1.0f);
  double scale = 0;
  for (double v : lin.c) scale = std::max(scale, std::fabs(v));

  for (double ridge : {1e-6, 1.0}) {
    SCOPED_TRACE("ridge " + std::to_string(ridge));
    LimeOptions o;
    o.samples = 1000;
    o.ridge = ridge;
    o.baseline.black = {0.0f};
    auto e = lime(*probe, ones, {0}, ScoreKind::Logit, {*seg}, o);
    ASSERT_TRUE(e) << e.status().message();
    const double tol = ridge < 1e-3 ? 1e-4 : 0.05;  // ridge 1 shrinks by about 1 %
    for (std::int64_t j = 0; j < seg->count; ++j)
      EXPECT_NEAR(e->coefficients[0][static_cast<size_t>(j)], lin.c[static_cast<size_t>(j)],
                  tol * scale)
          << "superpixel " << j;
    EXPECT_GT(e->metrics["r2"][0], ridge < 1e-3 ? 0.99999 : 0.99);
  }
  KernelShapOptions ko;
  ko.coalitions = 2000;
  ko.baseline.black = {0.0f};
  auto shap = kernelShap(*probe, ones, {0}, ScoreKind::Logit, {*seg}, ko);
  ASSERT_TRUE(shap) << shap.status().message();
  for (std::int64_t j = 0; j < seg->count; ++j)
    EXPECT_NEAR(shap->coefficients[0][static_cast<size_t>(j)], lin.c[static_cast<size_t>(j)],
                1e-4 * scale);
}

}  // namespace
