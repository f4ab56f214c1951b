// Executor: whole-graph gradients against central finite differences (fan-out, residual
// Add, Concat, layout conversions), oneDNN plans against reference-only plans on the example
// models, and NaN detection naming the node.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/backends/backend.h"
#include "engine/core/rng.h"
#include "engine/exec/plan.h"
#include "engine/graph/model.h"

using namespace loom;

namespace {

Node node(std::string name, std::string op, std::vector<std::string> inputs, AttrMap attrs = {}) {
  Node n;
  n.name = std::move(name);
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  return n;
}

Tensor randomTensor(const Dims& dims, std::uint64_t key, float scale = 1.0f) {
  Tensor t(dims);
  Philox r(key);
  for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = scale * r.normal();
  return t;
}

/// A graph with fan-out, a residual Add, a Concat, Tanh (smooth) and a final Dense.
Graph smoothGraph() {
  Graph g;
  auto ints = [](std::vector<std::int64_t> v) { return AttrValue(v); };
  EXPECT_TRUE(g.addNode(node("x", "Input", {}, {{"shape", ints({3, 6, 6})}})).isOk());
  EXPECT_TRUE(g.addNode(node("c1", "Conv2D", {"x"},
                             {{"filters", std::int64_t{4}},
                              {"kernel_size", ints({3, 3})},
                              {"padding", std::string("same")}}))
                  .isOk());
  EXPECT_TRUE(g.addNode(node("t1", "Tanh", {"c1"})).isOk());
  EXPECT_TRUE(g.addNode(node("c2", "Conv2D", {"t1"},
                             {{"filters", std::int64_t{4}},
                              {"kernel_size", ints({3, 3})},
                              {"padding", std::string("same")}}))
                  .isOk());
  EXPECT_TRUE(g.addNode(node("res", "Add", {"c2", "t1"})).isOk());      // t1 feeds two nodes
  EXPECT_TRUE(g.addNode(node("cat", "Concat", {"res", "t1"})).isOk());  // ... three
  EXPECT_TRUE(g.addNode(node("t2", "Tanh", {"cat"})).isOk());
  EXPECT_TRUE(g.addNode(node("gap", "GlobalAvgPool", {"t2"})).isOk());
  EXPECT_TRUE(g.addNode(node("fc", "Dense", {"gap"}, {{"units", std::int64_t{5}}})).isOk());
  return g;
}

struct Compiled {
  ParameterSet params;
  Plan plan;
};

Compiled compile(const Graph& g, std::int64_t batch, Backend* backend, bool training = true) {
  GraphAnalysis a = analyzeGraph(g, OpRegistry::global(), batch);
  EXPECT_TRUE(a.status.isOk()) << a.status.message();
  auto params = ParameterSet::create(g, a, {}, 3);
  EXPECT_TRUE(params.hasValue());
  Compiled c{std::move(*params), Plan()};
  PlanOptions o;
  o.batch = batch;
  o.training = training;
  if (backend) o.backends = {backend};
  auto plan = Plan::compile(g, c.params, o);
  EXPECT_TRUE(plan.hasValue()) << plan.status().message();
  c.plan = std::move(*plan);
  return c;
}

/// loss = sum(output * weights) so d(loss)/d(output) = weights.
double lossOf(Plan& plan, const Tensor& x, const Tensor& w) {
  EXPECT_TRUE(plan.forward({{"x", &x}}, true, 1).isOk());
  const Tensor& y = plan.output();
  double s = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.f32()[i]) * w.f32()[i];
  return s;
}

void checkGradientsByFiniteDifferences(Backend* backend) {
  Graph g = smoothGraph();
  Compiled c = compile(g, 2, backend);
  Tensor x = randomTensor({2, 3, 6, 6}, 11);
  Tensor w = randomTensor({2, 5}, 12);
  lossOf(c.plan, x, w);
  ASSERT_TRUE(c.plan.backward(w).isOk());
  const double eps = 1e-2;
  int checked = 0;
  for (auto& p : c.params.all()) {
    if (!p.trainable) continue;
    Tensor analytic = p.grad.clone();
    // A spread of elements of every parameter.
    for (std::int64_t i = 0; i < p.value.numel();
         i += std::max<std::int64_t>(1, p.value.numel() / 7)) {
      float saved = p.value.f32()[i];
      p.value.f32()[i] = saved + static_cast<float>(eps);
      double plus = lossOf(c.plan, x, w);
      p.value.f32()[i] = saved - static_cast<float>(eps);
      double minus = lossOf(c.plan, x, w);
      p.value.f32()[i] = saved;
      double numeric = (plus - minus) / (2 * eps);
      // float32 forward: tolerance covers rounding of the loss difference and O(eps^2) terms.
      EXPECT_NEAR(analytic.f32()[i], numeric, 2e-3 + 2e-2 * std::fabs(numeric))
          << p.name << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

}  // namespace

TEST(Plan, GradientsMatchFiniteDifferencesReference) {
  checkGradientsByFiniteDifferences(nullptr);
}

TEST(Plan, GradientsMatchFiniteDifferencesOneDnn) {
  auto cpu = makeCpuBackend();
  checkGradientsByFiniteDifferences(cpu.get());
}

TEST(Plan, OneDnnPlanMatchesReferencePlanOnExampleModels) {
  auto cpu = makeCpuBackend();
  for (const char* name : {"mlp", "cnn", "cnn_bn", "resnet_small"}) {
    auto model = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/" + name + ".loom");
    ASSERT_TRUE(model.hasValue()) << model.status().message();
    // Rename the input so one feed map serves all models.
    Graph g = model->graph;
    for (auto& n : g.nodes()) {
      if (n.name == "image") n.name = "x";
      for (auto& in : n.inputs)
        if (in == "image") in = "x";
    }
    Compiled ref = compile(g, 4, nullptr);
    Compiled fast = compile(g, 4, cpu.get());
    Tensor x = randomTensor({4, 1, 28, 28}, 21);
    Tensor w = randomTensor({4, 10}, 22);
    double lr = lossOf(ref.plan, x, w);
    double lf = lossOf(fast.plan, x, w);
    EXPECT_NEAR(lf, lr, 1e-4 * std::max(1.0, std::fabs(lr))) << name;
    EXPECT_LT(maxRelativeDifference(fast.plan.output(), ref.plan.output()), 1e-4) << name;
    ASSERT_TRUE(ref.plan.backward(w).isOk());
    ASSERT_TRUE(fast.plan.backward(w).isOk());
    for (size_t i = 0; i < ref.params.all().size(); ++i) {
      const auto& a = ref.params.all()[i];
      const auto& b = fast.params.all()[i];
      if (a.trainable) {
        EXPECT_LT(maxRelativeDifference(b.grad, a.grad), 1e-3) << name << " " << a.name;
      }
      // BatchNorm running statistics are updated in forward.
      EXPECT_LT(maxRelativeDifference(b.value, a.value), 1e-4) << name << " " << a.name;
    }
  }
}

TEST(Plan, CheckFiniteNamesTheFirstBadNode) {
  Graph g = smoothGraph();
  Compiled c = compile(g, 2, nullptr);
  Tensor x = randomTensor({2, 3, 6, 6}, 31);
  ASSERT_TRUE(c.plan.forward({{"x", &x}}, true, 1).isOk());
  EXPECT_TRUE(c.plan.checkFinite().isOk());
  c.params.find("c2.weights")->value.f32()[3] = NAN;
  ASSERT_TRUE(c.plan.forward({{"x", &x}}, true, 1).isOk());
  Status st = c.plan.checkFinite();
  EXPECT_EQ(st.code(), ErrorCode::NonFinite);
  EXPECT_NE(st.message().find("node \"c2\" (Conv2D)"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("c2.weights"), std::string::npos) << st.message();
}

TEST(Plan, WrongInputShapeIsAClearError) {
  Graph g = smoothGraph();
  Compiled c = compile(g, 2, nullptr);
  Tensor x({3, 3, 6, 6});
  Status st = c.plan.forward({{"x", &x}}, true, 1);
  EXPECT_EQ(st.code(), ErrorCode::ShapeMismatch);
  EXPECT_NE(st.message().find("[2, 3, 6, 6]"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("[3, 3, 6, 6]"), std::string::npos) << st.message();
}

TEST(Parameters, ParameterOfWrongShapeIsAModelMismatch) {
  Graph g = smoothGraph();
  GraphAnalysis a = analyzeGraph(g, OpRegistry::global(), 1);
  std::map<std::string, Tensor> initial{{"fc.weights", Tensor({5, 7})}};
  auto p = ParameterSet::create(g, a, initial, 1);
  ASSERT_FALSE(p.hasValue());
  EXPECT_EQ(p.status().code(), ErrorCode::ModelMismatch);
  EXPECT_NE(p.status().message().find("[5, 7]"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("[5, 8]"), std::string::npos) << p.status().message();
}

TEST(Plan, InferencePlanSharesActivationMemoryAndAgreesWithTraining) {
  auto cpu = makeCpuBackend();
  auto model = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/resnet_small.loom");
  ASSERT_TRUE(model.hasValue());
  Graph g = model->graph;
  for (auto& n : g.nodes()) {
    if (n.name == "image") n.name = "x";
    for (auto& in : n.inputs)
      if (in == "image") in = "x";
  }
  for (Backend* backend : {static_cast<Backend*>(nullptr), cpu.get()}) {
    GraphAnalysis a = analyzeGraph(g, OpRegistry::global(), 3);
    auto params = ParameterSet::create(g, a, {}, 5);
    ASSERT_TRUE(params.hasValue());
    PlanOptions o;
    o.batch = 3;
    if (backend) o.backends = {backend};
    o.training = true;
    auto train = Plan::compile(g, *params, o);
    o.training = false;
    auto infer = Plan::compile(g, *params, o);
    ASSERT_TRUE(train.hasValue() && infer.hasValue());
    Tensor x = randomTensor({3, 1, 28, 28}, 41);
    ASSERT_TRUE(train->forward({{"x", &x}}, false, 0).isOk());  // inference mode on a training plan
    Tensor expected = train->output().clone();
    for (int repeat = 0; repeat < 2; ++repeat) {  // reused buffers must not leak state
      ASSERT_TRUE(infer->forward({{"x", &x}}, false, 0).isOk());
      EXPECT_LT(maxRelativeDifference(infer->output(), expected), 1e-5);
    }
    // Packed activations take well under the sum of all activations.
    EXPECT_LT(infer->sharedBufferBytes(), a.total.activationBytes / 3)
        << infer->sharedBufferBytes() << " of " << a.total.activationBytes;
  }
}

// One analysis per run: an analysis re-derived for another batch size must equal a fresh
// analyzeGraph at that size, node by node, on every example model.
TEST(Analysis, ForAnotherBatchEqualsAFreshAnalysis) {
  for (const char* name : {"mlp", "cnn", "cnn_bn", "resnet_small"}) {
    auto model = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/" + name + ".loom");
    ASSERT_TRUE(model.hasValue()) << model.status().message();
    const GraphAnalysis base = analyzeGraph(model->graph, OpRegistry::global(), 64);
    ASSERT_TRUE(base.status.isOk()) << base.status.message();
    for (std::int64_t batch : {1, 3, 64, 100}) {
      const GraphAnalysis fresh = analyzeGraph(model->graph, OpRegistry::global(), batch);
      const GraphAnalysis derived = analysisForBatch(model->graph, base, batch);
      ASSERT_TRUE(derived.status.isOk()) << name << ": " << derived.status.message();
      EXPECT_EQ(derived.order, fresh.order) << name;
      EXPECT_EQ(derived.outputNode, fresh.outputNode) << name;
      ASSERT_EQ(derived.nodes.size(), fresh.nodes.size());
      for (size_t i = 0; i < fresh.nodes.size(); ++i) {
        const NodeAnalysis& a = derived.nodes[i];
        const NodeAnalysis& b = fresh.nodes[i];
        EXPECT_EQ(a.op, b.op) << name << " node " << i;
        EXPECT_EQ(a.inputDims, b.inputDims) << name << " node " << i;
        EXPECT_EQ(a.shape.output, b.shape.output) << name << " node " << i << " batch " << batch;
        ASSERT_EQ(a.shape.params.size(), b.shape.params.size());
        for (size_t p = 0; p < a.shape.params.size(); ++p)
          EXPECT_EQ(a.shape.params[p].dims, b.shape.params[p].dims);
        EXPECT_EQ(a.cost.flops, b.cost.flops) << name << " node " << i;
        EXPECT_EQ(a.cost.activationBytes, b.cost.activationBytes) << name << " node " << i;
      }
      EXPECT_EQ(derived.total.params, fresh.total.params);
      EXPECT_EQ(derived.total.flops, fresh.total.flops);
      EXPECT_EQ(derived.parameterBytes, fresh.parameterBytes);
    }
  }
}

TEST(Plan, CompileUsesTheGivenAnalysisAndRefusesOneOfAnotherBatch) {
  Graph g = smoothGraph();
  auto analysis = std::make_shared<const GraphAnalysis>(analyzeGraph(g, OpRegistry::global(), 2));
  auto params = ParameterSet::create(g, *analysis, {}, 3);
  ASSERT_TRUE(params.hasValue());
  PlanOptions o;
  o.batch = 2;
  o.analysis = analysis;
  auto plan = Plan::compile(g, *params, o);
  ASSERT_TRUE(plan.hasValue()) << plan.status().message();
  EXPECT_EQ(plan->sharedAnalysis().get(), analysis.get()) << "the plan analysed the graph again";
  o.batch = 5;
  auto wrong = Plan::compile(g, *params, o);
  ASSERT_FALSE(wrong.hasValue());
  EXPECT_EQ(wrong.status().code(), ErrorCode::InvalidArgument);
  // The same analysis, re-derived for batch 5, compiles and runs.
  o.analysis = std::make_shared<const GraphAnalysis>(analysisForBatch(g, *analysis, 5));
  auto five = Plan::compile(g, *params, o);
  ASSERT_TRUE(five.hasValue()) << five.status().message();
  Tensor x = randomTensor({5, 3, 6, 6}, 51);
  EXPECT_TRUE(five->forward({{"x", &x}}, false, 0).isOk());
}

// An inference plan reuses activation memory, so locating a NaN needs a re-run that checks
// each node as it goes.
TEST(Plan, LocateNonFiniteNamesTheFirstBadNodeOfAnInferencePlan) {
  Graph g = smoothGraph();
  Compiled c = compile(g, 2, nullptr, /*training=*/false);
  Tensor x = randomTensor({2, 3, 6, 6}, 61);
  EXPECT_TRUE(c.plan.locateNonFinite({{"x", &x}}).isOk());
  c.params.find("c2.weights")->value.f32()[0] = INFINITY;
  Status st = c.plan.locateNonFinite({{"x", &x}});
  EXPECT_EQ(st.code(), ErrorCode::NonFinite);
  EXPECT_NE(st.message().find("node \"c2\" (Conv2D)"), std::string::npos) << st.message();
}
