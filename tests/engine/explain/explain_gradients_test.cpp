// Acceptance 1 of issue 9, gradient half: input gradients (logit and probability), a node's
// activation gradient, Grad-CAM on the first and last convolution, and Integrated Gradients
// (Riemann and Gauss-Legendre, black baseline) equal PyTorch's float64 autograd and hooks on
// the same weights within 1e-4 (of the reference's largest magnitude), on real Fashion-MNIST
// test images (tests/python/torch_explain_reference.py). Also: IG's completeness gap shrinks
// as the steps grow, results do not depend on the chunk size, and the plan gives the
// gradients only it was asked for.
#include <gtest/gtest.h>

#include <cstring>

#include "engine/backends/backend.h"
#include "engine/exec/plan.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/probe.h"
#include "explain_fixture.h"
#include "support/torch_exchange.h"

using namespace loom;
using loom::test::TorchExchange;

namespace {

constexpr double kTolerance = 1e-4;  // of the reference's max |value|
constexpr std::int64_t kSamples = 6;

class ExplainGradients : public ::testing::Test {
 protected:
  void SetUp() override {
    m_model = test::parseOrFail(test::kSmallCnn);
    m_params = test::seededParams(m_model, 11);
    ASSERT_TRUE(m_params);
    m_x = test::fashionImages(0, kSamples, &m_labels);
    m_cpu = makeCpuBackend();
  }
  ModelProbe probe(std::int64_t maxBatch, std::vector<std::string> keep = {}) {
    ProbeOptions o;
    o.backends = {m_cpu.get()};
    o.maxBatch = maxBatch;
    o.keepNodes = std::move(keep);
    auto p = ModelProbe::create(m_model.graph, *m_params, o);
    EXPECT_TRUE(p) << p.status().message();
    return std::move(*p);
  }
  Model m_model;
  std::unique_ptr<ParameterSet> m_params;
  Tensor m_x;
  std::vector<std::int64_t> m_labels;
  std::unique_ptr<Backend> m_cpu;
};

void expectClose(const Tensor& loom, const std::vector<double>& ref, const std::string& what) {
  ASSERT_EQ(static_cast<size_t>(loom.numel()), ref.size()) << what << ": no reference";
  const auto [worst, scale] = test::worstDifference(loom.f32(), ref);
  EXPECT_GT(scale, 0) << what << ": the reference is all zero";
  std::printf("  %-48s max |loom - torch| %.2e of scale %.2e\n", what.c_str(), worst, scale);
  EXPECT_LE(worst, kTolerance * scale)
      << what << ": max difference " << worst << ", scale " << scale;
}

TEST_F(ExplainGradients, MatchPyTorchAutogradAndHooks) {
  TorchExchange ex("loom_explain_grad");
  ASSERT_FALSE(ex.dir().empty());
  std::filesystem::create_directories(ex.dir() / "init");
  nlohmann::json manifest;
  manifest["model_text"] = test::kSmallCnn;
  for (const Parameter& p : m_params->all()) {
    ASSERT_TRUE(ex.writeBytes("init/" + p.name + ".f32", p.value.raw(), p.value.bytes()).isOk());
    manifest["params"].push_back({{"name", p.name}, {"dims", p.value.dims()}});
  }
  manifest["x"] = ex.write("x.f32", m_x);
  // Mixed targets: the true class for some, another class for the rest.
  std::vector<std::int64_t> targets = m_labels;
  for (std::int64_t i = 1; i < kSamples; i += 2) targets[i] = (targets[i] + 3) % 10;
  manifest["targets"] = targets;
  const std::vector<std::string> nodes = {"c1", "c2"};
  manifest["nodes"] = nodes;

  ModelProbe p = probe(4, nodes);  // 6 samples in chunks of 4: the padded last chunk is used
  auto gLogit = vanillaGradient(p, m_x, targets, ScoreKind::Logit);
  ASSERT_TRUE(gLogit) << gLogit.status().message();
  auto gProb = vanillaGradient(p, m_x, targets, ScoreKind::Probability);
  ASSERT_TRUE(gProb) << gProb.status().message();
  Tensor raw1, raw2;
  auto cam1 = gradCam(p, m_x, targets, ScoreKind::Logit, "c1", &raw1);
  ASSERT_TRUE(cam1) << cam1.status().message();
  auto cam2 = gradCam(p, m_x, targets, ScoreKind::Logit, "c2", &raw2);
  ASSERT_TRUE(cam2) << cam2.status().message();

  // Activation gradients straight from the probe.
  std::map<std::string, Tensor> acts, grads;
  const std::int64_t s = p.sampleSize();
  Status st = p.gradients(
      kSamples, [&](std::int64_t i, float* d) { std::memcpy(d, m_x.f32() + i * s, 4 * s); },
      [&](std::int64_t i) { return targets[static_cast<size_t>(i)]; }, ScoreKind::Logit,
      [&](const ProbeChunk& c) {
        for (const auto& n : nodes) {
          const Tensor& a = c.acts.at(n);
          const Tensor& g = c.grads.at(n);
          const std::int64_t per = a.numel() / a.dim(0);
          if (acts[n].empty()) {
            Dims d = a.dims();
            d[0] = kSamples;
            acts[n] = Tensor(d);
            grads[n] = Tensor(d);
          }
          std::memcpy(acts[n].f32() + c.first * per, a.f32(), 4 * c.count * per);
          std::memcpy(grads[n].f32() + c.first * per, g.f32(), 4 * c.count * per);
        }
        return Status::ok();
      });
  ASSERT_TRUE(st.isOk()) << st.message();

  struct IgCase {
    std::int64_t steps;
    Quadrature q;
  };
  const std::vector<IgCase> igCases = {{16, Quadrature::Riemann}, {16, Quadrature::GaussLegendre}};
  std::vector<Explanation> igs;
  const float black = -0.2860f / 0.3530f;
  Tensor baseline(m_x.dims());
  baseline.fill(black);
  for (size_t i = 0; i < igCases.size(); ++i) {
    IntegratedGradientsOptions o;
    o.steps = igCases[i].steps;
    o.quadrature = igCases[i].q;
    o.baseline.black = {black};
    auto ig = integratedGradients(p, m_x, targets, ScoreKind::Logit, o);
    ASSERT_TRUE(ig) << ig.status().message();
    igs.push_back(std::move(*ig));
    manifest["ig"].push_back({{"steps", o.steps},
                              {"quadrature", quadratureName(o.quadrature)},
                              {"baseline", ex.write("baseline.f32", baseline)}});
  }

  st = ex.run("torch_explain_reference.py", manifest);
  ASSERT_TRUE(st.isOk()) << st.toString();
  const std::int64_t n = m_x.numel();
  expectClose(gLogit->map, ex.readF64("grad_logit.f64", n), "input gradient of the logit");
  expectClose(gProb->map, ex.readF64("grad_prob.f64", n), "input gradient of the probability");
  for (const auto& node : nodes) {
    expectClose(acts[node], ex.readF64("act_" + node + ".f64", acts[node].numel()),
                "activation of " + node);
    expectClose(grads[node], ex.readF64("dact_" + node + ".f64", grads[node].numel()),
                "activation gradient of " + node);
  }
  expectClose(raw1, ex.readF64("gradcam_raw_c1.f64", raw1.numel()), "Grad-CAM c1 (raw)");
  expectClose(cam1->map, ex.readF64("gradcam_c1.f64", cam1->map.numel()), "Grad-CAM c1");
  expectClose(raw2, ex.readF64("gradcam_raw_c2.f64", raw2.numel()), "Grad-CAM c2 (raw)");
  expectClose(cam2->map, ex.readF64("gradcam_c2.f64", cam2->map.numel()), "Grad-CAM c2");
  for (size_t i = 0; i < igs.size(); ++i) {
    const std::string tag = "ig_" + std::to_string(i);
    expectClose(igs[i].map, ex.readF64(tag + ".f64", n),
                std::string("Integrated Gradients, ") + quadratureName(igCases[i].q));
    const auto ends = ex.readF64(tag + "_ends.f64", 2 * kSamples);
    ASSERT_EQ(ends.size(), static_cast<size_t>(2 * kSamples));
    for (std::int64_t k = 0; k < kSamples; ++k) {
      EXPECT_NEAR(igs[i].scores[static_cast<size_t>(k)], ends[static_cast<size_t>(2 * k)], 1e-4);
      EXPECT_NEAR(igs[i].metrics["baseline_score"][static_cast<size_t>(k)],
                  ends[static_cast<size_t>(2 * k + 1)], 1e-4);
    }
  }
}

TEST_F(ExplainGradients, CompletenessGapShrinksWithSteps) {
  ModelProbe p = probe(32);
  std::vector<double> meanGap;
  for (std::int64_t steps : {2, 8, 32, 128}) {
    IntegratedGradientsOptions o;
    o.steps = steps;
    o.quadrature = Quadrature::Riemann;
    o.baseline.black = {-0.2860f / 0.3530f};
    auto ig = integratedGradients(p, m_x, m_labels, ScoreKind::Logit, o);
    ASSERT_TRUE(ig) << ig.status().message();
    double sum = 0;
    for (double g : ig->metrics["completeness_gap"]) sum += g;
    meanGap.push_back(sum / kSamples);
  }
  for (size_t i = 1; i < meanGap.size(); ++i)
    EXPECT_LT(meanGap[i], meanGap[i - 1]) << "steps index " << i;
  EXPECT_LT(meanGap.back(), 0.05 * meanGap.front());
}

TEST_F(ExplainGradients, ChunkSizeDoesNotChangeResults) {
  ModelProbe one = probe(1), many = probe(64);
  auto a = vanillaGradient(one, m_x, m_labels, ScoreKind::Probability);
  auto b = vanillaGradient(many, m_x, m_labels, ScoreKind::Probability);
  ASSERT_TRUE(a && b);
  EXPECT_LE(maxRelativeDifference(a->map, b->map), 1e-5);
  EXPECT_EQ(one.chunkSize(), 1);
  EXPECT_EQ(many.chunkSize(), 64);
}

// The probe's plans keep the Dense weights reordered between calls; parametersChanged()
// must make the next call see weights changed in place, exactly as a fresh probe does.
TEST_F(ExplainGradients, ParametersChangedInPlaceAreSeenAfterParametersChanged) {
  ModelProbe kept = probe(64);
  auto before = vanillaGradient(kept, m_x, m_labels, ScoreKind::Logit);
  ASSERT_TRUE(before) << before.status().message();
  auto other = test::seededParams(m_model, 12);
  ASSERT_TRUE(other);
  for (Parameter& q : m_params->all()) q.value.copyFrom(other->find(q.name)->value);
  kept.parametersChanged();
  auto after = vanillaGradient(kept, m_x, m_labels, ScoreKind::Logit);
  ModelProbe fresh = probe(64);
  auto reference = vanillaGradient(fresh, m_x, m_labels, ScoreKind::Logit);
  ASSERT_TRUE(after && reference);
  EXPECT_GT(maxRelativeDifference(before->map, reference->map), 1e-2) << "weights did not change";
  EXPECT_EQ(maxRelativeDifference(after->map, reference->map), 0.0);
}

TEST_F(ExplainGradients, PlanKeepsOnlyRequestedGradients) {
  PlanOptions po;
  po.batch = 2;
  po.training = true;
  po.parameterGradients = false;
  po.inputGradients = true;
  po.keepGradients = {"c2"};
  for (Parameter& q : m_params->all())
    if (q.trainable) q.grad.fill(7.0f);
  auto plan = Plan::compile(m_model.graph, *m_params, po);
  ASSERT_TRUE(plan) << plan.status().message();
  Tensor two(Dims{2, 1, 28, 28});
  std::memcpy(two.f32(), m_x.f32(), two.bytes());
  ASSERT_TRUE(plan->forward({{"image", &two}}, false, 0).isOk());
  Tensor diff(Dims{2, 10});
  diff.fill(1.0f);
  ASSERT_TRUE(plan->backward(diff).isOk());
  EXPECT_TRUE(plan->gradient("image"));
  EXPECT_TRUE(plan->gradient("c2"));
  auto notKept = plan->gradient("c1");
  ASSERT_FALSE(notKept);
  EXPECT_NE(notKept.status().message().find("\"c1\""), std::string::npos);
  for (const Parameter& q : m_params->all()) {
    if (q.trainable) {
      EXPECT_EQ(q.grad.f32()[0], 7.0f) << q.name << " was written";
    }
  }
  po.keepGradients = {"nope"};
  auto bad = Plan::compile(m_model.graph, *m_params, po);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.status().message().find("\"nope\""), std::string::npos);
}

}  // namespace

namespace {

TEST_F(ExplainGradients, MemoryBudgetBoundsTheChunk) {
  // The chunk's estimate (both plans' activations and gradients, one input row per sample, two
  // copies of the parameters) must fit the budget; a budget below one sample still gives 1.
  GraphAnalysis a = analyzeGraph(m_model.graph, OpRegistry::global(), 1);
  const std::int64_t perSample = 3 * a.total.activationBytes + 4 * 784;
  for (std::int64_t budget :
       {std::int64_t{1} << 10, std::int64_t{3} << 20, std::int64_t{1} << 30}) {
    ProbeOptions o;
    o.backends = {m_cpu.get()};
    o.memoryBudgetBytes = budget;
    auto p = ModelProbe::create(m_model.graph, *m_params, o);
    ASSERT_TRUE(p) << p.status().message();
    const std::int64_t c = p->chunkSize();
    EXPECT_GE(c, 1);
    EXPECT_LE(c, 64);
    if (c > 1) {
      EXPECT_LE(c * perSample + 2 * a.parameterBytes, budget) << "budget " << budget;
    }
    if (c < 64) {
      EXPECT_GT((c + 1) * perSample + 2 * a.parameterBytes, budget) << "budget " << budget;
    }
  }
}

}  // namespace
