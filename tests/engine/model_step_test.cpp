// One full training step of each example model, compared with PyTorch.
//
// For every model in resources/examples (and an "op zoo" that exercises the ops and
// padding modes the examples do not), the test compiles a training Plan on the oneDNN CPU
// backend, initialises the parameters from the model's seed, takes a real Fashion-MNIST
// batch (dithered by one grey level, see kDither), and runs exactly one step: forward, loss,
// backward, the model's optimizer. It writes the initial values and the batch to a temporary
// directory, where tests/python/loom_to_torch.py (run through support/torch_exchange.h) repeats the
// step with an equivalent torch.nn.Module in float64. Loss, every gradient, every parameter after
// the step and the BatchNorm running statistics are then compared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/rng.h"
#include "engine/data/batch_loader.h"
#include "engine/data/dataset.h"
#include "engine/exec/parameters.h"
#include "engine/exec/plan.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/ops/losses.h"
#include "engine/optim/clip.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/train/freeze.h"
#include "support/torch_exchange.h"

using namespace loom;
using loom::test::TorchExchange;
namespace fs = std::filesystem;

namespace {

// The float64 reference runs convolutions in PyTorch's slow non-oneDNN path (about 2 s for
// a ResNet-small step of 32 samples on this machine), so batches are capped at 32 to keep
// the whole suite near 20 s; 32 samples still give BatchNorm real batch statistics.
constexpr std::int64_t kMaxBatch = 32;

// Tolerances. Loom computes in float32, the reference in float64, so the differences are
// float32 rounding accumulated over reductions of up to ~25k terms (conv weight gradients
// sum over batch x positions): observed at most ~1e-5 of a tensor's largest element. A
// wrong kernel, pad or hyper-parameter gives errors of order 1e-2..1 on the same scale.
constexpr double kLossTolerance = 1e-5;    // relative to |loss|
constexpr double kGradTolerance = 1e-4;    // relative to the tensor's max |grad| (see below)
constexpr double kBufferTolerance = 1e-4;  // relative to the tensor's max |value|
// Rounding of w' = w - lr * u in float32 plus the optimizer's own float32 arithmetic.
constexpr double kUpdateRounding = 1e-6;  // times (|w| + lr)
// Gradients that are exactly zero in theory (a bias right before BatchNorm) are float noise
// on both sides; they are compared against this fraction of the model's largest gradient.
constexpr double kGradFloor = 1e-4;

// ReLU is not differentiable at 0. In a deep BatchNorm network some pre-activations lie
// within float32 noise (~1e-5 after a dozen layers) of 0, and float32 and float64 then take
// different sides: each such "kink flip" moves one element of a layer's upstream gradient
// by its full value, i.e. ~1/150 of the preceding weight gradient's max (that gradient
// sums ~25k terms). Both results are exact gradients of the same function on either side
// of the kink. Measured on resnet_small's (dithered) first batch: PyTorch float32 vs
// float64 differ by up to 3e-5, Loom's oneDNN path by up to 1e-2 in the 28x28 stage (a
// handful of flips; its BatchNorm outputs are ~1e-5 off float64, a little further than
// PyTorch's, so it lands on the other side more often) and <= 1e-5 everywhere else. The loss, the
// BatchNorm running statistics and the optimizer update given the gradient stay strictly checked.
double gradTolerance(const std::string& model) {
  return model == "resnet_small" ? 5e-2 : kGradTolerance;
}

// Fashion-MNIST backgrounds are exactly 0, so a convolution over them produces exactly
// equal values and 2x2 max-pool windows tie exactly (~19k tied windows in pool1 of the
// CNN's first batch). The gradient of a tied max is not unique: PyTorch routes it to the
// first element, a float32 kernel to whichever rounding made largest. A dither of +-1 grey
// level (0.011 in normalised units) breaks those ties by far more than float32 rounding.
constexpr float kDither = 1.0f / 255.0f / 0.3530f;

/// An op zoo for the paths the examples miss: explicit and asymmetric pads, strided and
/// dilated and grouped convs, average pooling with and without counted padding, -inf
/// max-pool padding, Concat, Reshape, Softmax, BatchNorm1d, ELU/LeakyReLU/Tanh/Sigmoid,
/// Dropout (rate 0: PyTorch cannot draw Loom's masks), a variadic Add, label smoothing and
/// SGD with Nesterov momentum and weight decay.
constexpr const char* kOpZoo = R"(
format_version: 2
name: "op_zoo"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "c1" op: "Conv2D" input: "image" attr { name: "filters" i: 8 }
         attr { name: "kernel_size" i: 3 } attr { name: "stride" ints { v: [1, 2] } }
         attr { name: "padding" s: "explicit" } attr { name: "pads" ints { v: [1, 0, 2, 1] } } }
  node { name: "a1" op: "LeakyReLU" input: "c1" attr { name: "alpha" f: 0.2 } }
  node { name: "p1" op: "AvgPool2D" input: "a1" attr { name: "pool_size" i: 3 }
         attr { name: "stride" i: 2 } attr { name: "padding" s: "same" } }
  node { name: "ca" op: "Conv2D" input: "p1" attr { name: "filters" i: 8 }
         attr { name: "kernel_size" i: 3 } attr { name: "groups" i: 2 }
         attr { name: "dilation" i: 2 } attr { name: "padding" s: "same" } }
  node { name: "ea" op: "ELU" input: "ca" attr { name: "alpha" f: 0.5 } }
  node { name: "mb" op: "MaxPool2D" input: "p1" attr { name: "pool_size" i: 2 }
         attr { name: "stride" i: 1 } attr { name: "padding" s: "same" } }
  node { name: "tb" op: "Tanh" input: "mb" }
  node { name: "cat" op: "Concat" input: "ea" input: "tb" }
  node { name: "bn" op: "BatchNorm" input: "cat" attr { name: "momentum" f: 0.3 }
         attr { name: "epsilon" f: 0.001 } }
  node { name: "sg" op: "Sigmoid" input: "bn" }
  node { name: "p2" op: "AvgPool2D" input: "sg" attr { name: "padding" s: "explicit" }
         attr { name: "pads" ints { v: [1, 1, 0, 0] } } attr { name: "count_include_pad" b: true } }
  node { name: "rs" op: "Reshape" input: "p2" attr { name: "shape" ints { v: [2, -1] } } }
  node { name: "fl" op: "Flatten" input: "rs" }
  node { name: "d1" op: "Dense" input: "fl" attr { name: "units" i: 32 }
         attr { name: "use_bias" b: false } }
  node { name: "bn1d" op: "BatchNorm" input: "d1" }
  node { name: "r" op: "ReLU" input: "bn1d" }
  node { name: "dp" op: "Dropout" input: "r" attr { name: "rate" f: 0 } }
  node { name: "sm" op: "Softmax" input: "dp" attr { name: "axis" i: -1 } }
  node { name: "la" op: "Dense" input: "dp" attr { name: "units" i: 10 } }
  node { name: "lb" op: "Dense" input: "sm" attr { name: "units" i: 10 } }
  node { name: "logits" op: "Add" input: "la" input: "lb" }
}
training {
  batch_size: 16
  loss { label_smoothing: 0.1 }
  optimizer { type: "sgd" learning_rate: 0.05 momentum: 0.9 nesterov: true weight_decay: 0.001 }
  seed: 7
}
)";

/// The trainer's loss (engine/train/trainer.cpp): MSE and BCE regress one-hot targets.
Expected<double> computeLoss(const pb::LossConfig& cfg, const Tensor& logits, const Tensor& labels,
                             Tensor* diff) {
  if (cfg.type() == "softmax_cross_entropy")
    return softmaxCrossEntropy(logits, labels, cfg.label_smoothing(), diff);
  Tensor target(logits.dims());
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    target.f32()[i * logits.dim(1) + labels.data<std::int64_t>()[i]] = 1.0f;
  if (cfg.type() == "mse") return meanSquaredError(logits, target, diff);
  return binaryCrossEntropyWithLogits(logits, target, diff);
}

/// The first update of every optimizer, per element, as a function of the gradient g
/// (weight decay folded into g where it is L2): w' = w - lr * direction(g). On the first
/// step all moment estimates start from zero, so:
///   SGD:     g (momentum buffer = g), times (1 + momentum) with Nesterov
///   Adam(W): m_hat / (sqrt(v_hat) + eps) = g / (|g| + eps)
///   RMSprop: g / (sqrt((1 - alpha) g^2) + eps) (a momentum buffer starts at that value)
double firstStepDirection(const OptimizerSettings& s, double g) {
  switch (s.kind) {
    case OptimizerKind::Sgd:
      return s.nesterov ? g * (1 + s.momentum) : g;
    case OptimizerKind::Adam:
    case OptimizerKind::AdamW:
      return g / (std::fabs(g) + s.epsilon);
    case OptimizerKind::RmsProp:
      return g / (std::sqrt(1 - s.alpha) * std::fabs(g) + s.epsilon);
  }
  return g;
}

double maxAbs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

struct LoomStep {
  double loss = 0;
  double learningRate = 0;
  std::vector<Parameter> before;  // values (and names, dims) before the step
  std::map<std::string, Tensor> grads;
  std::map<std::string, Tensor> after;
  OptimizerSettings optimizer;
};

class ModelStepTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    m_ex = std::make_unique<TorchExchange>("loom_model_step_" + GetParam());
    ASSERT_FALSE(m_ex->dir().empty());
    for (const char* sub : {"init", "loom"}) fs::create_directories(m_ex->dir() / sub);
  }
  void TearDown() override { m_ex.reset(); }  // keeps the files when the test failed

  /// Runs Loom's step, writes init/*.f32, x.f32 and y.i64 and completes `manifest`.
  void runLoomStep(Model& model, nlohmann::json& manifest, LoomStep& out);
  /// Runs the PyTorch step on `manifest` and compares it with `loom`.
  void compareWithTorch(const nlohmann::json& manifest, const LoomStep& loom);
  /// Writes DIR/`name`; fails the test when it cannot.
  void write(const std::string& name, const void* data, size_t bytes) {
    const Status st = m_ex->writeBytes(name, data, bytes);
    ASSERT_TRUE(st.isOk()) << st.toString();
  }

  std::unique_ptr<TorchExchange> m_ex;
};

void ModelStepTest::runLoomStep(Model& model, nlohmann::json& manifest, LoomStep& out) {
  applyDefaults(model);
  const pb::TrainingConfig& tc = model.training;
  const std::int64_t batch = std::min<std::int64_t>(tc.batch_size(), kMaxBatch);
  const std::uint64_t seed = tc.seed();

  GraphAnalysis analysis = analyzeGraph(model.graph, OpRegistry::global(), batch);
  ASSERT_TRUE(analysis.status.isOk()) << analysis.status.message();
  auto params = ParameterSet::create(model.graph, analysis, model.parameters, seed);
  ASSERT_TRUE(params) << params.status().message();
  // Transfer learning (training.freeze_until), as Trainer applies it: frozen parameters are not
  // trainable and frozen nodes run their forward in inference mode.
  auto frozen = resolveFrozenSet(model.graph, tc.freeze_until());
  ASSERT_TRUE(frozen) << frozen.status().message();
  ASSERT_TRUE(freezeParameters(*params, *frozen).isOk());
  std::string input;
  for (const auto& node : model.graph.nodes())
    if (node.op == "Input") input = node.name;
  ASSERT_FALSE(input.empty());

  // A real batch: the first shuffled batch of epoch 0, normalised as the trainer does.
  auto data = loadFashionMnist(model.dataset.path(), Split::Train);
  ASSERT_TRUE(data)
      << "Fashion-MNIST is required (packaging/install-deps.sh installs dataset-fashion-mnist): "
      << data.status().message();
  std::vector<std::int64_t> indices(static_cast<size_t>(data->size()));
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<std::int64_t>(i);
  BatchLoaderOptions lo;
  lo.batchSize = batch;
  lo.seed = seed;
  lo.normalization = Normalization::uniform(model.dataset.mean(), model.dataset.std());
  auto loader = BatchLoader::create(*data, indices, lo);
  ASSERT_TRUE(loader) << loader.status().message();
  Batch b = (*loader)->makeBatch(0, 0);
  Philox dither(rngKey(seed, {0x64697468}));
  for (std::int64_t i = 0; i < b.x.numel(); ++i)
    b.x.f32()[i] += kDither * (2 * dither.uniform() - 1);

  auto optimizer = createOptimizer(tc.optimizer());
  ASSERT_TRUE(optimizer) << optimizer.status().message();
  out.optimizer = (*optimizer)->settings();
  auto schedule = LearningRateSchedule::create(tc.schedule(), baseLearningRate(tc.optimizer()));
  ASSERT_TRUE(schedule) << schedule.status().message();
  const std::int64_t stepsPerEpoch = (*loader)->stepsPerEpoch();
  out.learningRate = schedule->learningRateAt(0, stepsPerEpoch, stepsPerEpoch * tc.epochs());

  auto cpu = makeCpuBackend();
  PlanOptions po;
  po.batch = batch;
  po.training = true;
  po.backends = {cpu.get()};
  po.inferenceNodes = frozen->nodes;
  auto plan = Plan::compile(model.graph, *params, po);
  ASSERT_TRUE(plan) << plan.status().message();

  for (const Parameter& p : params->all()) {
    out.before.push_back({p.name, p.value.clone(), Tensor(), p.trainable});
    write("init/" + p.name + ".f32", p.value.raw(), p.value.bytes());
    manifest["params"].push_back(
        {{"name", p.name}, {"dims", p.value.dims()}, {"trainable", p.trainable}});
  }
  write("x.f32", b.x.raw(), b.x.bytes());
  write("y.i64", b.y.raw(), b.y.bytes());

  // The step, as Trainer runs it.
  const std::uint64_t key = rngKey(seed, {static_cast<std::uint64_t>(RngPurpose::Dropout), 0, 0});
  Status s = plan->forward({{input, &b.x}}, true, key);
  ASSERT_TRUE(s.isOk()) << s.message();
  Tensor diffLogits(plan->output().dims());
  auto loss = computeLoss(tc.loss(), plan->output(), b.y, &diffLogits);
  ASSERT_TRUE(loss) << loss.status().message();
  out.loss = *loss;
  s = plan->backward(diffLogits);
  ASSERT_TRUE(s.isOk()) << s.message();
  for (const Parameter& p : params->all()) {
    if (!p.trainable) continue;
    out.grads[p.name] = p.grad.clone();
    write("loom/" + p.name + ".grad.f32", p.grad.raw(), p.grad.bytes());
  }
  if (tc.clip_grad_norm() > 0) {
    auto norm = clipGradNorm(params->all(), tc.clip_grad_norm());
    ASSERT_TRUE(norm) << norm.status().message();
  }
  s = (*optimizer)->step(params->all(), out.learningRate);
  ASSERT_TRUE(s.isOk()) << s.message();
  for (const Parameter& p : params->all()) {
    out.after[p.name] = p.value.clone();
    write("loom/" + p.name + ".after.f32", p.value.raw(), p.value.bytes());
  }

  manifest["batch"] = batch;
  manifest["sample"] = Dims(b.x.dims().begin() + 1, b.x.dims().end());
  manifest["learning_rate"] = out.learningRate;
}

void ModelStepTest::compareWithTorch(const nlohmann::json& manifest, const LoomStep& loom) {
  const Status st = m_ex->run("loom_to_torch.py", manifest, {"step"});
  ASSERT_TRUE(st.isOk()) << st.toString();
  const auto result = nlohmann::json::parse(m_ex->readText("result.json"));
  const double torchLoss = result.at("loss").get<double>();
  EXPECT_NEAR(loom.loss, torchLoss, kLossTolerance * std::fabs(torchLoss)) << "loss";

  const OptimizerSettings& opt = loom.optimizer;
  const double lr = loom.learningRate;
  const bool l2 = opt.kind != OptimizerKind::AdamW;
  std::map<std::string, std::vector<double>> grads;
  double modelGradScale = 0;
  for (const Parameter& p : loom.before) {
    if (!p.trainable) continue;
    grads[p.name] = m_ex->readF64("grad/" + p.name + ".f64", p.value.numel());
    ASSERT_FALSE(grads[p.name].empty()) << "no reference gradient for " << p.name;
    modelGradScale = std::max(modelGradScale, maxAbs(grads[p.name]));
  }
  for (const Parameter& p : loom.before) {
    SCOPED_TRACE(p.name);
    const std::int64_t n = p.value.numel();
    const std::vector<double> after = m_ex->readF64("after/" + p.name + ".f64", n);
    ASSERT_FALSE(after.empty()) << "no reference value for " << p.name;
    const float* loomAfter = loom.after.at(p.name).f32();
    if (!p.trainable) {  // BatchNorm running statistics
      const double scale = std::max(maxAbs(after), 1e-6);
      double worst = 0;
      for (std::int64_t i = 0; i < n; ++i)
        worst = std::max(worst, std::fabs(loomAfter[i] - after[i]));
      EXPECT_LE(worst, kBufferTolerance * scale) << "buffer after the step";
      continue;
    }
    const std::vector<double>& grad = grads[p.name];
    const float* loomGrad = loom.grads.at(p.name).f32();
    const double gradScale = std::max(maxAbs(grad), kGradFloor * modelGradScale);
    double worstGrad = 0;
    std::int64_t at = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const double d = std::fabs(loomGrad[i] - grad[i]);
      if (d > worstGrad) worstGrad = d, at = i;
    }
    EXPECT_LE(worstGrad, gradTolerance(GetParam()) * gradScale)
        << "gradient: element " << at << " is " << loomGrad[at] << ", PyTorch " << grad[at]
        << " (scale " << gradScale << ")";

    // The update must be what the optimizer's first step does to Loom's gradient, as
    // PyTorch's is what it does to PyTorch's: w' = w - lr * direction(g). So the two may
    // differ by lr * |direction(g_loom) - direction(g_torch)| (the gradients were checked
    // above) plus rounding. For SGD that is lr times the gradient difference; for Adam,
    // whose first step is ~lr * sign(g), it is ~0 where |g| >> the difference and up to
    // 2 lr where g is within float noise of 0 and the two sides legitimately disagree on
    // the sign. A wrong learning rate, beta, epsilon or bias correction fails it.
    int failures = 0;
    for (std::int64_t i = 0; i < n && failures < 3; ++i) {
      const double w0 = p.value.f32()[i];
      const double decay = l2 ? opt.weightDecay * w0 : 0.0;
      const double spread = std::fabs(firstStepDirection(opt, loomGrad[i] + decay) -
                                      firstStepDirection(opt, grad[i] + decay));
      const double tol = lr * spread + kUpdateRounding * (std::fabs(after[i]) + lr);
      if (std::fabs(loomAfter[i] - after[i]) > tol) {
        ++failures;
        ADD_FAILURE() << "value after the step: element " << i << " is " << loomAfter[i]
                      << ", PyTorch " << after[i] << " (before " << w0 << ", gradient "
                      << loomGrad[i] << ", PyTorch " << grad[i] << ", allowed difference " << tol
                      << ")";
      }
    }
  }
}

TEST_P(ModelStepTest, OneStepMatchesPyTorch) {
  Model model;
  nlohmann::json manifest;
  if (GetParam() == "op_zoo") {
    auto parsed = parseModel(kOpZoo, "op_zoo");
    ASSERT_TRUE(parsed) << parsed.status().message();
    model = std::move(*parsed);
    manifest["model_text"] = kOpZoo;
  } else if (GetParam() == "cnn_bn_frozen") {
    // Frozen up to relu3 (the feature vector): every conv, Dense and BatchNorm but the logits
    // keeps its values and the three BatchNorms normalise with their running statistics;
    // PyTorch's reference has requires_grad=False and eval() there. (Not up to an earlier
    // node: fc1's bias before bn3 has a gradient that is zero in theory and float noise in
    // practice, and without the conv gradients the test's noise floor is too fine for it.)
    auto loaded = loadModel(std::string(LOOM_SOURCE_DIR) + "/resources/examples/cnn_bn.loom");
    ASSERT_TRUE(loaded) << loaded.status().message();
    model = std::move(*loaded);
    model.training.set_freeze_until("relu3");
    manifest["model_text"] = serializeModel(model, false);
  } else {
    const std::string path =
        std::string(LOOM_SOURCE_DIR) + "/resources/examples/" + GetParam() + ".loom";
    auto loaded = loadModel(path);
    ASSERT_TRUE(loaded) << loaded.status().message();
    model = std::move(*loaded);
    manifest["model"] = path;
  }
  LoomStep loom;
  runLoomStep(model, manifest, loom);
  if (HasFatalFailure()) return;
  compareWithTorch(manifest, loom);
}

INSTANTIATE_TEST_SUITE_P(Examples, ModelStepTest,
                         ::testing::Values("mlp", "cnn", "cnn_bn", "resnet_small", "op_zoo",
                                           "cnn_bn_frozen"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
