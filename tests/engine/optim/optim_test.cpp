// Optimizers, learning-rate schedules and gradient clipping, checked against PyTorch.
//
// The suite writes every case (initial values, gradients per step, learning rates, options)
// into a temporary directory, runs tests/python/torch_optim_reference.py once with Debian's
// PyTorch, and compares our results with torch.optim, torch.optim.lr_scheduler and
// torch.nn.utils.clip_grad_norm_.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/rng.h"
#include "engine/optim/clip.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/proto/loom.pb.h"
#include "support/torch_exchange.h"

using namespace loom;
using loom::test::TorchExchange;

namespace {

constexpr int kSteps = 6;

struct OptimCase {
  std::string name;
  pb::OptimizerConfig config;
  std::vector<double> lrs;
};

// Parameters shared by every optimizer case. "big" crosses the threshold where updates are
// split across threads; "bn.mean" is a buffer that must never move.
std::vector<Parameter> makeParams(std::uint64_t seed) {
  const std::vector<std::pair<std::string, Dims>> shapes = {
      {"fc.weight", {7, 5}}, {"fc.bias", {7}}, {"bn.mean", {7}}, {"big", {300, 300}}};
  std::vector<Parameter> params;
  Philox rng(rngKey(seed, {100}));
  for (const auto& [name, dims] : shapes) {
    Parameter p;
    p.name = name;
    p.value = Tensor(dims);
    for (std::int64_t i = 0; i < p.value.numel(); ++i) p.value.f32()[i] = rng.normal();
    p.trainable = name != "bn.mean";
    if (p.trainable) p.grad = Tensor(dims);
    params.push_back(std::move(p));
  }
  return params;
}

// Gradients of step `step`, some of them tiny and some large, so Adam/RMSprop normalisation
// is exercised over a range of scales.
void fillGrads(std::vector<Parameter>& params, std::uint64_t seed, int step) {
  Philox rng(rngKey(seed, {200, static_cast<std::uint64_t>(step)}));
  for (auto& p : params) {
    if (!p.trainable) continue;
    for (std::int64_t i = 0; i < p.grad.numel(); ++i) {
      const float scale = (i % 3 == 0) ? 1e-3f : (i % 3 == 1 ? 1.0f : 5.0f);
      p.grad.f32()[i] = scale * rng.normal();
    }
  }
}

void appendFloats(std::string& out, const Tensor& t) {
  out.append(static_cast<const char*>(t.raw()), t.bytes());
}

pb::OptimizerConfig config(const std::string& type, double momentum = 0, bool nesterov = false,
                           double wd = 0, double beta1 = 0, double beta2 = 0, double eps = 0,
                           double rho = 0) {
  pb::OptimizerConfig c;
  c.set_type(type);
  c.set_momentum(momentum);
  c.set_nesterov(nesterov);
  c.set_weight_decay(wd);
  c.set_beta1(beta1);
  c.set_beta2(beta2);
  c.set_epsilon(eps);
  c.set_rho(rho);
  return c;
}

std::vector<OptimCase> optimCases() {
  const std::vector<double> sgdLrs = {0.01, 0.02, 0.015, 0.005, 0.01, 0.03};
  const std::vector<double> adamLrs = {1e-3, 2e-3, 1.5e-3, 5e-4, 1e-3, 3e-3};
  return {
      {"sgd_plain", config("sgd"), sgdLrs},
      {"sgd_wd", config("sgd", 0, false, 0.01), sgdLrs},
      {"sgd_momentum", config("sgd", 0.9), sgdLrs},
      {"sgd_nesterov", config("sgd", 0.9, true), sgdLrs},
      {"sgd_nesterov_wd", config("sgd", 0.8, true, 0.05), sgdLrs},
      {"sgd_momentum_wd", config("sgd", 0.5, false, 0.1), sgdLrs},
      {"adam_default", config("adam"), adamLrs},
      {"adam_l2", config("adam", 0, false, 0.01), adamLrs},
      {"adam_betas_eps", config("adam", 0, false, 0.0, 0.8, 0.99, 1e-6), adamLrs},
      {"adamw_default_wd", config("adamw", 0, false, 0.01), adamLrs},
      {"adamw_strong", config("adamw", 0, false, 0.5, 0.85, 0.95, 1e-5), sgdLrs},
      {"rmsprop_default", config("rmsprop"), adamLrs},
      {"rmsprop_momentum", config("rmsprop", 0.9), adamLrs},
      {"rmsprop_all", config("rmsprop", 0.5, false, 0.01, 0, 0, 1e-6, 0.9), sgdLrs},
  };
}

struct ClipCase {
  std::string name;
  double maxNorm;
  float gradScale;
};
std::vector<ClipCase> clipCases() {
  return {{"clip_active", 1.0, 1.0f}, {"clip_inactive", 1e4, 1.0f}, {"clip_small", 0.5, 1e-3f}};
}

struct ScheduleCase {
  std::string name;
  pb::ScheduleConfig config;
  double baseLr;
  std::int64_t stepsPerEpoch, totalSteps;
};
std::vector<ScheduleCase> scheduleCases() {
  auto make = [](const std::string& type, int stepEpochs, double gamma, double minLr, int warm) {
    pb::ScheduleConfig c;
    c.set_type(type);
    c.set_step_epochs(stepEpochs);
    c.set_gamma(gamma);
    c.set_min_lr(minLr);
    c.set_warmup_steps(warm);
    return c;
  };
  return {
      {"constant", make("constant", 0, 0, 0, 0), 0.1, 7, 40},
      {"constant_warmup", make("constant", 0, 0, 0, 8), 0.1, 7, 40},
      {"step", make("step", 2, 0.5, 0, 0), 0.1, 7, 70},
      {"step_every_epoch", make("step", 1, 0.1, 0, 0), 0.05, 13, 65},
      {"step_warmup", make("step", 3, 0.3, 0, 10), 0.1, 6, 60},
      {"cosine", make("cosine", 0, 0, 1e-4, 0), 0.1, 9, 90},
      {"cosine_warmup", make("cosine", 0, 0, 0, 12), 0.2, 10, 100},
  };
}

}  // namespace

class OptimVsTorch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_exchange = std::make_unique<TorchExchange>("loom_optim_test");
    ASSERT_FALSE(s_exchange->dir().empty());
    nlohmann::json manifest;
    for (const auto& c : optimCases()) {
      auto params = makeParams(1);
      std::string bytes;
      nlohmann::json jp = nlohmann::json::array();
      for (const auto& p : params)
        if (p.trainable) {
          appendFloats(bytes, p.value);
          jp.push_back({{"name", p.name}, {"dims", p.value.dims()}});
        }
      for (int s = 0; s < kSteps; ++s) {
        fillGrads(params, 1, s);
        for (const auto& p : params)
          if (p.trainable) appendFloats(bytes, p.grad);
      }
      ASSERT_TRUE(s_exchange->writeBytes(c.name + ".in.bin", bytes.data(), bytes.size()).isOk());
      auto settings = resolveOptimizerConfig(c.config);
      ASSERT_TRUE(settings) << settings.status().toString();
      manifest["optim"].push_back({{"name", c.name},
                                   {"type", c.config.type()},
                                   {"params", jp},
                                   {"steps", kSteps},
                                   {"lrs", c.lrs},
                                   {"momentum", settings->momentum},
                                   {"nesterov", settings->nesterov},
                                   {"weight_decay", settings->weightDecay},
                                   {"beta1", settings->beta1},
                                   {"beta2", settings->beta2},
                                   {"epsilon", settings->epsilon},
                                   {"rho", settings->alpha}});
    }
    for (const auto& c : clipCases()) {
      auto params = makeParams(2);
      fillGrads(params, 2, 0);
      std::string bytes;
      nlohmann::json dims = nlohmann::json::array();
      for (auto& p : params)
        if (p.trainable) {
          for (std::int64_t i = 0; i < p.grad.numel(); ++i) p.grad.f32()[i] *= c.gradScale;
          appendFloats(bytes, p.grad);
          dims.push_back(p.grad.dims());
        }
      ASSERT_TRUE(s_exchange->writeBytes(c.name + ".in.bin", bytes.data(), bytes.size()).isOk());
      manifest["clip"].push_back({{"name", c.name}, {"max_norm", c.maxNorm}, {"dims", dims}});
    }
    for (const auto& c : scheduleCases()) {
      manifest["schedule"].push_back({{"name", c.name},
                                      {"kind", c.config.type()},
                                      {"base_lr", c.baseLr},
                                      {"total_steps", c.totalSteps},
                                      {"steps_per_epoch", c.stepsPerEpoch},
                                      {"warmup", c.config.warmup_steps()},
                                      {"step_epochs", c.config.step_epochs()},
                                      {"gamma", c.config.gamma()},
                                      {"min_lr", c.config.min_lr()}});
    }
    s_python = s_exchange->run("torch_optim_reference.py", manifest);
  }

  static void TearDownTestSuite() { s_exchange.reset(); }  // keeps the files after a failure

  void SetUp() override { ASSERT_TRUE(s_python.isOk()) << s_python.toString(); }

  static std::vector<float> floats(const std::string& name) {
    const auto b = s_exchange->readBytes(name + ".out.bin");
    std::vector<float> v(b.size() / 4);
    std::memcpy(v.data(), b.data(), v.size() * 4);
    return v;
  }

  // One run of the reference script covers all three; each check compares one family.
  void checkOptimizers();
  void checkClipping();
  void checkSchedules();

  static inline std::unique_ptr<TorchExchange> s_exchange;
  static inline Status s_python = internalError("the PyTorch reference did not run");
};

void OptimVsTorch::checkOptimizers() {
  for (const auto& c : optimCases()) {
    SCOPED_TRACE(c.name);
    auto opt = createOptimizer(c.config);
    ASSERT_TRUE(opt) << opt.status().toString();
    auto params = makeParams(1);
    const Tensor bufferBefore = params[2].value.clone();
    const auto expected = floats(c.name);
    std::size_t offset = 0;
    double worst = 0;
    for (int s = 0; s < kSteps; ++s) {
      fillGrads(params, 1, s);
      ASSERT_TRUE((*opt)->step(params, c.lrs[s]).isOk());
      for (const auto& p : params) {
        if (!p.trainable) continue;
        ASSERT_LE(offset + p.value.bytes() / 4, expected.size());
        Tensor ref(p.value.dims());
        std::memcpy(ref.raw(), expected.data() + offset, p.value.bytes());
        offset += static_cast<std::size_t>(p.value.numel());
        const double diff = maxRelativeDifference(p.value, ref);
        worst = std::max(worst, diff);
        EXPECT_LT(diff, 1e-5) << p.name << " after step " << s + 1;
      }
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    RecordProperty("max_diff_" + c.name, text);
    EXPECT_EQ(offset, expected.size());
    EXPECT_EQ((*opt)->stepCount(), kSteps);
    EXPECT_EQ(std::memcmp(bufferBefore.raw(), params[2].value.raw(), bufferBefore.bytes()), 0)
        << "a buffer (trainable=false) was updated";
  }
}

void OptimVsTorch::checkClipping() {
  for (const auto& c : clipCases()) {
    SCOPED_TRACE(c.name);
    auto params = makeParams(2);
    fillGrads(params, 2, 0);
    for (auto& p : params)
      if (p.trainable)
        for (std::int64_t i = 0; i < p.grad.numel(); ++i) p.grad.f32()[i] *= c.gradScale;
    auto norm = clipGradNorm(params, c.maxNorm);
    ASSERT_TRUE(norm) << norm.status().toString();
    const std::string normText = s_exchange->readText(c.name + ".norm.txt");
    ASSERT_FALSE(normText.empty()) << "torch wrote no norm for " << c.name;
    const double torchNorm = std::stod(normText);
    EXPECT_NEAR(*norm, torchNorm, 1e-5 * torchNorm);
    const auto expected = floats(c.name);
    std::size_t offset = 0;
    for (const auto& p : params) {
      if (!p.trainable) continue;
      Tensor ref(p.grad.dims());
      std::memcpy(ref.raw(), expected.data() + offset, p.grad.bytes());
      offset += static_cast<std::size_t>(p.grad.numel());
      EXPECT_LT(maxRelativeDifference(p.grad, ref), 1e-6) << p.name;
    }
    EXPECT_EQ(offset, expected.size());
  }
}

void OptimVsTorch::checkSchedules() {
  for (const auto& c : scheduleCases()) {
    SCOPED_TRACE(c.name);
    auto schedule = LearningRateSchedule::create(c.config, c.baseLr);
    ASSERT_TRUE(schedule) << schedule.status().toString();
    const auto b = s_exchange->readBytes(c.name + ".out.bin");
    std::vector<double> expected(b.size() / 8);
    std::memcpy(expected.data(), b.data(), expected.size() * 8);
    ASSERT_EQ(static_cast<std::int64_t>(expected.size()), c.totalSteps);
    for (std::int64_t s = 0; s < c.totalSteps; ++s) {
      const double ours = schedule->learningRateAt(s, c.stepsPerEpoch, c.totalSteps);
      EXPECT_NEAR(ours, expected[s], 1e-9 + 1e-9 * std::abs(expected[s])) << "step " << s;
    }
  }
}

TEST_F(OptimVsTorch, OptimizersSchedulesAndClippingMatchPyTorch) {
  {
    SCOPED_TRACE("torch.optim");
    checkOptimizers();
  }
  {
    SCOPED_TRACE("torch.nn.utils.clip_grad_norm_");
    checkClipping();
  }
  {
    SCOPED_TRACE("torch.optim.lr_scheduler");
    checkSchedules();
  }
}

// A checkpoint copies the values, the state tensors and the step count; an optimizer
// rebuilt from them must continue bit for bit.
TEST(Optimizer, StateRestoreContinuesBitExactly) {
  for (const auto& c : optimCases()) {
    SCOPED_TRACE(c.name);
    auto original = createOptimizer(c.config);
    ASSERT_TRUE(original);
    auto params = makeParams(3);
    for (int s = 0; s < 3; ++s) {
      fillGrads(params, 3, s);
      ASSERT_TRUE((*original)->step(params, c.lrs[s]).isOk());
    }
    // "Checkpoint": deep copies of values and state.
    std::vector<Parameter> restoredParams = makeParams(99);
    for (std::size_t i = 0; i < params.size(); ++i)
      restoredParams[i].value = params[i].value.clone();
    std::map<std::string, Tensor> saved;
    for (auto& [name, tensor] : (*original)->stateTensors()) saved[name] = tensor->clone();

    auto restored = createOptimizer(c.config);
    ASSERT_TRUE(restored);
    ASSERT_TRUE((*restored)->initializeState(restoredParams).isOk());
    auto slots = (*restored)->stateTensors();
    ASSERT_EQ(slots.size(), saved.size());
    for (auto& [name, tensor] : slots) {
      ASSERT_TRUE(saved.count(name)) << name;
      tensor->copyFrom(saved[name]);
    }
    (*restored)->setStepCount((*original)->stepCount());

    for (int s = 3; s < kSteps; ++s) {
      fillGrads(params, 3, s);
      fillGrads(restoredParams, 3, s);
      ASSERT_TRUE((*original)->step(params, c.lrs[s]).isOk());
      ASSERT_TRUE((*restored)->step(restoredParams, c.lrs[s]).isOk());
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      EXPECT_EQ(std::memcmp(params[i].value.raw(), restoredParams[i].value.raw(),
                            params[i].value.bytes()),
                0)
          << params[i].name;
  }
}

TEST(Optimizer, StateNamesAreStable) {
  auto adam = createOptimizer(config("adam"));
  ASSERT_TRUE(adam);
  auto params = makeParams(4);
  ASSERT_TRUE((*adam)->initializeState(params).isOk());
  std::vector<std::string> names;
  for (auto& [name, t] : (*adam)->stateTensors()) names.push_back(name);
  const std::vector<std::string> expected = {"adam.exp_avg/fc.weight", "adam.exp_avg_sq/fc.weight",
                                             "adam.exp_avg/fc.bias",   "adam.exp_avg_sq/fc.bias",
                                             "adam.exp_avg/big",       "adam.exp_avg_sq/big"};
  EXPECT_EQ(names, expected);

  auto sgd = createOptimizer(config("sgd"));
  ASSERT_TRUE(sgd);
  ASSERT_TRUE((*sgd)->initializeState(params).isOk());
  EXPECT_TRUE((*sgd)->stateTensors().empty()) << "plain SGD keeps no state";
}

TEST(Optimizer, RejectsBadConfigAndMismatchedParameters) {
  auto unknown = createOptimizer(config("adagrad"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.status().message().find("\"adagrad\""), std::string::npos);
  auto nesterov = createOptimizer(config("sgd", 0, true));
  ASSERT_FALSE(nesterov);
  EXPECT_NE(nesterov.status().message().find("nesterov"), std::string::npos);
  auto beta = createOptimizer(config("adam", 0, false, 0, 1.5));
  ASSERT_FALSE(beta);
  EXPECT_NE(beta.status().message().find("beta1"), std::string::npos);

  auto opt = createOptimizer(config("adam"));
  ASSERT_TRUE(opt);
  auto params = makeParams(5);
  fillGrads(params, 5, 0);
  EXPECT_FALSE((*opt)->step(params, -1.0).isOk());
  ASSERT_TRUE((*opt)->step(params, 1e-3).isOk());
  // A different parameter list after the state exists.
  auto other = params;
  other.erase(other.begin());
  const Tensor before = other[0].value.clone();
  Status st = (*opt)->step(other, 1e-3);
  ASSERT_FALSE(st.isOk());
  EXPECT_EQ(st.code(), ErrorCode::InvalidArgument);
  EXPECT_NE(st.message().find("fc.bias"), std::string::npos) << st.message();
  EXPECT_EQ(std::memcmp(before.raw(), other[0].value.raw(), before.bytes()), 0);
  // A gradient of the wrong shape.
  auto fresh = createOptimizer(config("sgd"));
  params[0].grad = Tensor({5, 7});
  st = (*fresh)->step(params, 0.1);
  ASSERT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("[5, 7]"), std::string::npos) << st.message();
}

TEST(Schedule, RejectsBadConfig) {
  pb::ScheduleConfig c;
  c.set_type("exponential");
  auto s = LearningRateSchedule::create(c, 0.1);
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("\"exponential\""), std::string::npos);
  c.set_type("step");
  c.set_step_epochs(0);
  ASSERT_FALSE(LearningRateSchedule::create(c, 0.1));
  c.set_type("cosine");
  c.set_min_lr(1.0);
  ASSERT_FALSE(LearningRateSchedule::create(c, 0.1));
}

TEST(Clip, NonFiniteNormLeavesGradientsAlone) {
  auto params = makeParams(6);
  fillGrads(params, 6, 0);
  params[0].grad.f32()[3] = NAN;
  const Tensor before = params[1].grad.clone();
  auto norm = clipGradNorm(params, 1.0);
  ASSERT_TRUE(norm);
  EXPECT_TRUE(std::isnan(*norm));
  EXPECT_EQ(std::memcmp(before.raw(), params[1].grad.raw(), before.bytes()), 0);
  EXPECT_FALSE(clipGradNorm(params, 0.0));
}
