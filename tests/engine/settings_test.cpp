// The training-settings schema (engine/train/settings.h): that it describes every field of the
// proto exactly once with the field's real type, that its defaults are PyTorch's (asked from
// the installed torch, not copied), that the one validator names path, value and range, that
// names match in any case, that validating before or after the defaults gives the same verdict
// over random settings, and that the optimizer and schedule factories refuse with the very
// same messages (no second copy of a rule).
#include "engine/train/settings.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "engine/graph/model.h"
#include "engine/optim/optimizer.h"
#include "engine/optim/schedule.h"
#include "engine/proto/loom.pb.h"
#include "tests/engine/settings_random.h"

using namespace loom;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

namespace {

std::string messageOf(const Status& s) {
  return s.isOk() ? "ok" : s.message();
}

/// The field a path names, walking the proto descriptors (independently of settings.cpp).
const FieldDescriptor* protoField(const std::string& path) {
  const Descriptor* d = path.rfind("training.", 0) == 0 ? pb::TrainingConfig::descriptor()
                                                        : pb::DatasetConfig::descriptor();
  std::size_t start = path.find('.') + 1;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const FieldDescriptor* f = d->FindFieldByName(path.substr(start, dot - start));
    if (!f || dot == std::string::npos) return f;
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return nullptr;
    d = f->message_type();
    start = dot + 1;
  }
}

void leafPaths(const Descriptor* d, const std::string& prefix, std::vector<std::string>& out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const std::string path = prefix + "." + std::string(f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated())
      leafPaths(f->message_type(), path, out);
    else
      out.push_back(path);
  }
}

Status validate(const pb::TrainingConfig& t, const pb::DatasetConfig& d = {}) {
  return validateTrainingSettings(t, d);
}

}  // namespace

TEST(SettingsSchema, EveryPathIsAProtoFieldOfTheSpecsType) {
  for (const SettingSpec& s : settingSpecs()) {
    const FieldDescriptor* f = protoField(s.path);
    ASSERT_NE(f, nullptr) << s.path;
    FieldDescriptor::CppType want = FieldDescriptor::CPPTYPE_INT32;
    switch (s.type) {
      case SettingType::Int:
      case SettingType::IntList:
        want = FieldDescriptor::CPPTYPE_INT32;
        break;
      case SettingType::Seed:
        want = FieldDescriptor::CPPTYPE_UINT64;
        break;
      case SettingType::Float:
        want = FieldDescriptor::CPPTYPE_DOUBLE;
        break;
      case SettingType::Bool:
        want = FieldDescriptor::CPPTYPE_BOOL;
        break;
      case SettingType::Name:
      case SettingType::Text:
        want = FieldDescriptor::CPPTYPE_STRING;
        break;
    }
    EXPECT_EQ(f->cpp_type(), want) << s.path;
    EXPECT_EQ(f->is_repeated(), s.type == SettingType::IntList) << s.path;
    EXPECT_FALSE(s.label.empty() || s.help.empty() || s.group.empty()) << s.path;
  }
}

// A field added to loom.proto without a row in the schema would be a setting nobody validates,
// documents or shows in the studio.
TEST(SettingsSchema, EveryProtoFieldHasExactlyOneSetting) {
  std::vector<std::string> paths;
  leafPaths(pb::TrainingConfig::descriptor(), "training", paths);
  leafPaths(pb::DatasetConfig::descriptor(), "dataset", paths);
  // Pass-through fields (a dataset kind's own options) are the one documented exception.
  std::erase_if(paths, [](const std::string& p) {
    const auto& pass = passThroughSettingPaths();
    return std::find(pass.begin(), pass.end(), p) != pass.end();
  });
  for (const std::string& p : paths)
    EXPECT_NE(findSetting(p), nullptr) << p << " has no SettingSpec";
  std::set<std::string> seen, flags;
  for (const SettingSpec& s : settingSpecs()) {
    EXPECT_TRUE(seen.insert(s.path).second) << s.path << " twice";
    if (s.flag.empty()) continue;
    EXPECT_EQ(s.flag.rfind("--", 0), 0u) << s.flag;
    EXPECT_TRUE(flags.insert(s.flag).second) << s.flag << " twice";
    EXPECT_EQ(findSettingByFlag(s.flag), &s);
  }
  EXPECT_EQ(seen.size(), paths.size());
}

// Rules refer to settings that exist and that come earlier (defaults are filled in order).
TEST(SettingsSchema, RulesNameSettingsThatComeFirst) {
  const auto& specs = settingSpecs();
  auto indexOf = [&](const std::string& path) -> long {
    const SettingSpec* s = findSetting(path);
    return s ? s - specs.data() : -1;
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const SettingSpec& s = specs[i];
    if (!s.defaultSelector.empty()) {
      EXPECT_GE(indexOf(s.defaultSelector), 0) << s.path;
      EXPECT_LT(indexOf(s.defaultSelector), static_cast<long>(i)) << s.path;
      for (const auto& [when, value] : s.defaults)
        EXPECT_TRUE(checkSettingValue(*findSetting(s.defaultSelector), when, "key").isOk())
            << s.path << " has a default for unknown " << when;
    }
    for (const SettingCondition& c : s.appliesWhen) {
      EXPECT_GE(indexOf(c.path), 0) << s.path;
      if (c.test != SettingCondition::Test::Positive) {
        EXPECT_LT(indexOf(c.path), static_cast<long>(i)) << s.path;
      }
    }
    if (!s.atMost.empty()) {
      EXPECT_GE(indexOf(s.atMost), 0) << s.path;
    }
    for (const std::string& p : s.unsetTogetherWith) EXPECT_GE(indexOf(p), 0) << s.path;
    if (s.zeroIsUnset && !s.requiredWhenApplies) {
      EXPECT_FALSE(s.defaults.empty()) << s.path;
    }
  }
}

// Every default lies in its own range, and Loom's defaults make a valid configuration.
TEST(SettingsSchema, DefaultsAreValid) {
  for (const SettingSpec& s : settingSpecs())
    for (const auto& [when, value] : s.defaults)
      EXPECT_TRUE(checkSettingValue(s, value, s.path).isOk()) << s.path << " default for " << when;
  for (const std::string& type : optimizerNames()) {
    pb::TrainingConfig t;
    pb::DatasetConfig d;
    t.mutable_optimizer()->set_type(type);
    applyTrainingDefaults(t, d);
    EXPECT_TRUE(validate(t, d).isOk()) << type << ": " << messageOf(validate(t, d));
  }
}

TEST(SettingsSchema, NamesAreTheEnumsInOrder) {
  EXPECT_STREQ(optimizerKindName(OptimizerKind::Sgd), "sgd");
  EXPECT_STREQ(optimizerKindName(OptimizerKind::Adam), "adam");
  EXPECT_STREQ(optimizerKindName(OptimizerKind::AdamW), "adamw");
  EXPECT_STREQ(optimizerKindName(OptimizerKind::RmsProp), "rmsprop");
  EXPECT_EQ(optimizerNames().size(), 4u);
  EXPECT_STREQ(scheduleKindName(ScheduleKind::Constant), "constant");
  EXPECT_STREQ(scheduleKindName(ScheduleKind::Step), "step");
  EXPECT_STREQ(scheduleKindName(ScheduleKind::Cosine), "cosine");
  EXPECT_EQ(scheduleNames().size(), 3u);
  // The resolved-settings structs start from the schema's defaults.
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  applyTrainingDefaults(t, d);
  const OptimizerSettings o;
  EXPECT_EQ(optimizerKindName(o.kind), t.optimizer().type());
  EXPECT_EQ(o.beta1, t.optimizer().beta1());
  EXPECT_EQ(o.beta2, t.optimizer().beta2());
  EXPECT_EQ(o.epsilon, t.optimizer().epsilon());
  EXPECT_EQ(o.alpha, t.optimizer().rho());
  EXPECT_EQ(ScheduleSettings().gamma, t.schedule().gamma());
}

// The defaults are PyTorch's: asked from the installed torch 1.13 (the README installs it; a
// missing torch fails this test).
TEST(SettingsDefaults, MatchPyTorch) {
  const char* script =
      "import inspect, json, torch\n"
      "def d(cls, name):\n"
      "    return inspect.signature(cls.__init__).parameters[name].default\n"
      "o = torch.optim\n"
      "print(json.dumps({'adam': [d(o.Adam, 'lr'), *d(o.Adam, 'betas'), d(o.Adam, 'eps')],\n"
      "  'adamw': [d(o.AdamW, 'lr'), *d(o.AdamW, 'betas'), d(o.AdamW, 'eps')],\n"
      "  'rmsprop': [d(o.RMSprop, 'lr'), d(o.RMSprop, 'alpha'), d(o.RMSprop, 'eps'),\n"
      "              d(o.RMSprop, 'momentum')],\n"
      "  'steplr_gamma': d(o.lr_scheduler.StepLR, 'gamma')}))\n";
  const std::string command = std::string(LOOM_PYTHON) + " -c \"$LOOM_SCRIPT\"";
  ASSERT_EQ(setenv("LOOM_SCRIPT", script, 1), 0);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe.get())) out += buf;
  ASSERT_FALSE(out.empty()) << "no answer from " << LOOM_PYTHON << " with torch";
  const auto torch = nlohmann::json::parse(out);

  auto effective = [](const char* type) {
    pb::TrainingConfig t;
    pb::DatasetConfig d;
    t.mutable_optimizer()->set_type(type);
    applyTrainingDefaults(t, d);
    return t;
  };
  for (const char* type : {"adam", "adamw"}) {
    const auto o = effective(type).optimizer();
    EXPECT_EQ(o.learning_rate(), torch[type][0].get<double>()) << type;
    EXPECT_EQ(o.beta1(), torch[type][1].get<double>()) << type;
    EXPECT_EQ(o.beta2(), torch[type][2].get<double>()) << type;
    EXPECT_EQ(o.epsilon(), torch[type][3].get<double>()) << type;
  }
  const auto rms = effective("rmsprop").optimizer();
  EXPECT_EQ(rms.learning_rate(), torch["rmsprop"][0].get<double>());
  EXPECT_EQ(rms.rho(), torch["rmsprop"][1].get<double>());
  EXPECT_EQ(rms.epsilon(), torch["rmsprop"][2].get<double>());
  EXPECT_EQ(rms.momentum(), torch["rmsprop"][3].get<double>());
  EXPECT_EQ(effective("adam").schedule().gamma(), torch["steplr_gamma"].get<double>());
  // torch 1.13's SGD has no default rate (lr is required); Loom's is 0.01, as Keras's.
  EXPECT_EQ(effective("sgd").optimizer().learning_rate(), 0.01);
}

// The bug this schema fixes: applyDefaults() used 1e-3 for every optimizer but SGD.
TEST(SettingsDefaults, RmspropTrainsAtItsOwnDefaultRate) {
  auto model = parseModel("training { optimizer { type: \"RMSprop\" } }\n", "rms.loom");
  ASSERT_TRUE(model) << model.status().message();
  EXPECT_EQ(model->training.optimizer().learning_rate(), 0) << "loading keeps the file's values";
  applyDefaults(*model);
  EXPECT_EQ(model->training.optimizer().type(), "rmsprop");  // canonical case
  EXPECT_EQ(model->training.optimizer().learning_rate(), 0.01);
  EXPECT_EQ(baseLearningRate(model->training.optimizer()), 0.01);
  pb::OptimizerConfig raw;
  raw.set_type("rmsprop");
  EXPECT_EQ(baseLearningRate(raw), 0.01);
}

TEST(SettingsDefaults, MeanAndStdAreOneUnsetPair) {
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  applyTrainingDefaults(t, d);
  EXPECT_EQ(d.mean(), 0.2860);
  EXPECT_EQ(d.std(), 0.3530);
  pb::DatasetConfig centredOnly;
  centredOnly.set_std(0.5);  // mean 0 is a value here: only 0/0 means "the defaults"
  applyTrainingDefaults(t, centredOnly);
  EXPECT_EQ(centredOnly.mean(), 0);
  EXPECT_EQ(centredOnly.std(), 0.5);
  pb::DatasetConfig noStd;
  noStd.set_mean(0.5);
  EXPECT_EQ(messageOf(validateTrainingSettings(t, noStd)),
            "dataset.std must be in (0, inf), got 0");
}

TEST(SettingsValidator, MessagesNamePathValueAndRange) {
  struct Case {
    std::function<void(pb::TrainingConfig&, pb::DatasetConfig&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](auto& t, auto&) { t.set_epochs(-1); },
       "training.epochs must be in [1, 2147483647], got -1"},
      {[](auto& t, auto&) { t.set_threads(5000); },
       "training.threads must be in [0, 1024], got 5000"},
      {[](auto& t, auto&) {
         t.mutable_schedule()->set_type("step");
         t.mutable_schedule()->set_step_epochs(1);
         t.mutable_schedule()->set_gamma(1.5);
       },
       "training.schedule.gamma must be in (0, 1], got 1.5"},
      {[](auto& t, auto&) {
         t.mutable_schedule()->set_type("Cosine");
         t.mutable_schedule()->set_min_lr(0.01);
       },
       "training.schedule.min_lr must be at most training.optimizer.learning_rate (0.001) when "
       "training.schedule.type is cosine, got 0.01"},
      {[](auto& t, auto&) { t.mutable_optimizer()->set_type("Adamax"); },
       "training.optimizer.type \"Adamax\" is not one of sgd, adam, adamw, rmsprop"},
      {[](auto& t, auto&) {
         t.mutable_optimizer()->set_type("SGD");
         t.mutable_optimizer()->set_nesterov(true);
       },
       "training.optimizer.nesterov = true needs training.optimizer.type is sgd and "
       "training.optimizer.momentum > 0; here training.optimizer.type is sgd and "
       "training.optimizer.momentum is 0"},
      {[](auto& t, auto&) { t.mutable_schedule()->set_type("step"); },
       "training.schedule.step_epochs must be in [1, 2147483647] when training.schedule.type is "
       "step, got 0"},
      {[](auto&, auto& d) { d.set_kind("CSV"); },
       "dataset.path must be set: dataset.kind \"csv\" has no default for it"},
      {[](auto& t, auto&) { t.mutable_optimizer()->set_learning_rate(NAN); },
       "training.optimizer.learning_rate must be in (0, inf), got nan"},
      {[](auto& t, auto&) { t.add_top_k(0); },
       "training.top_k must hold values in [1, 2147483647], got 0"},
  };
  for (const Case& c : cases) {
    pb::TrainingConfig t;
    pb::DatasetConfig d;
    c.edit(t, d);
    EXPECT_EQ(messageOf(validateTrainingSettings(t, d)), c.message);
  }
}

TEST(SettingsValidator, NamesMatchInAnyCase) {
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  t.mutable_optimizer()->set_type("AdamW");
  t.mutable_schedule()->set_type("COSINE");
  t.mutable_loss()->set_type("MSE");
  d.set_kind("Fashion_MNIST");
  EXPECT_TRUE(validateTrainingSettings(t, d).isOk()) << messageOf(validateTrainingSettings(t, d));
  applyTrainingDefaults(t, d);
  EXPECT_EQ(t.optimizer().type(), "adamw");
  EXPECT_EQ(t.schedule().type(), "cosine");
  EXPECT_EQ(t.loss().type(), "mse");
  EXPECT_EQ(d.kind(), "fashion_mnist");
  EXPECT_EQ(d.path(), "/usr/share/datasets/fashion-mnist");
}

// Over random settings: the verdict and the message do not depend on whether the defaults
// were applied first, and applying them twice changes nothing.
TEST(SettingsValidator, SameVerdictBeforeAndAfterDefaults) {
  test::SettingsGenerator gen(20260601);
  int valid = 0;
  for (int i = 0; i < 500; ++i) {
    test::RandomSettings r = gen.next();
    const std::string before = messageOf(validateTrainingSettings(r.training, r.dataset));
    pb::TrainingConfig t = r.training;
    pb::DatasetConfig d = r.dataset;
    applyTrainingDefaults(t, d);
    EXPECT_EQ(messageOf(validateTrainingSettings(t, d)), before) << r.training.ShortDebugString();
    pb::TrainingConfig t2 = t;
    pb::DatasetConfig d2 = d;
    applyTrainingDefaults(t2, d2);
    EXPECT_EQ(t2.SerializeAsString(), t.SerializeAsString());
    EXPECT_EQ(d2.SerializeAsString(), d.SerializeAsString());
    valid += before == "ok";
  }
  std::printf("%d of 500 random settings are valid\n", valid);
  EXPECT_GT(valid, 100);  // both verdicts are well represented
  EXPECT_LT(valid, 400);
}

TEST(SettingsOverrides, TypedValuesAreCheckedAsGiven) {
  pb::TrainingConfig t;
  pb::DatasetConfig d;
  t.mutable_optimizer()->set_type("sgd");
  t.mutable_optimizer()->set_learning_rate(0.05);  // chosen for sgd
  SettingsCheck check;
  ASSERT_TRUE(applySettingOverrides({{"training.optimizer.type", "rmsprop", "--optimizer rmsprop"}},
                                    t, d, &check)
                  .isOk());
  EXPECT_EQ(t.optimizer().learning_rate(), 0) << "the new optimizer's default, not sgd's 0.05";
  applyTrainingDefaults(t, d);
  EXPECT_EQ(t.optimizer().learning_rate(), 0.01);

  pb::TrainingConfig both;
  ASSERT_TRUE(applySettingOverrides({{"training.optimizer.learning_rate", "0.2", "--lr 0.2"},
                                     {"training.optimizer.type", "sgd", "--optimizer sgd"}},
                                    both, d, &check)
                  .isOk());
  EXPECT_EQ(both.optimizer().learning_rate(), 0.2) << "order on the command line does not matter";

  // 0 typed on the command line is a value, not "not given".
  pb::TrainingConfig zero;
  SettingsCheck zeroCheck;
  ASSERT_TRUE(
      applySettingOverrides({{"training.epochs", "0", "--epochs 0"}}, zero, d, &zeroCheck).isOk());
  EXPECT_TRUE(validateTrainingSettings(zero, d).isOk()) << "in a file, 0 means the default";
  EXPECT_EQ(messageOf(validateTrainingSettings(zero, d, zeroCheck)),
            "training.epochs must be in [1, 2147483647], got 0 (given as --epochs 0)");

  pb::TrainingConfig bad;
  EXPECT_EQ(messageOf(applySettingOverrides({{"training.batch_size", "12x", "--batch-size 12x"}},
                                            bad, d, &check)),
            "training.batch_size must be an integer, got \"12x\" (given as --batch-size 12x)");
  EXPECT_EQ(
      messageOf(applySettingOverrides(
          {{"training.threads", "99999999999", "--threads 99999999999"}}, bad, d, &check)),
      "training.threads must be in [0, 1024], got 99999999999 (given as --threads 99999999999)");
  EXPECT_EQ(
      messageOf(applySettingOverrides({{"training.seed", "-1", "--seed -1"}}, bad, d, &check)),
      "training.seed must be an integer in [1, 18446744073709551615], got \"-1\" (given as --seed "
      "-1)");
}

// The optimizer and schedule factories refuse with the validator's own messages.
TEST(SettingsValidator, OptimizerAndScheduleUseTheSameRules) {
  pb::TrainingConfig t;
  t.mutable_optimizer()->set_type("adam");
  t.mutable_optimizer()->set_beta1(1.5);
  const std::string want = messageOf(validate(t));
  EXPECT_EQ(want, "training.optimizer.beta1 must be in (0, 1), got 1.5");
  EXPECT_EQ(messageOf(createOptimizer(t.optimizer()).status()), want);
  OptimizerSettings s;
  s.beta1 = 1.5;
  EXPECT_EQ(messageOf(validateOptimizerSettings(s)), want);

  pb::ScheduleConfig step;
  step.set_type("step");
  step.set_step_epochs(1);
  step.set_gamma(2);
  EXPECT_EQ(messageOf(LearningRateSchedule::create(step, 0.1).status()),
            "training.schedule.gamma must be in (0, 1], got 2");
  pb::ScheduleConfig cosine;
  cosine.set_type("cosine");
  cosine.set_min_lr(0.2);
  EXPECT_EQ(messageOf(LearningRateSchedule::create(cosine, 0.1).status()),
            "training.schedule.min_lr must be at most training.optimizer.learning_rate (0.1) when "
            "training.schedule.type is cosine, got 0.2");
  // A base rate of 0 is a rate of 0 (not "the default rate"): min_lr above it is refused.
  cosine.set_min_lr(1e-4);
  EXPECT_FALSE(LearningRateSchedule::create(cosine, 0.0));
  ScheduleSettings resolved;
  resolved.kind = ScheduleKind::Step;
  resolved.baseLearningRate = 0.1;
  resolved.gamma = 0;  // explicit: refused, not replaced by 0.1
  EXPECT_EQ(messageOf(LearningRateSchedule::create(resolved).status()),
            "training.schedule.gamma must be in (0, 1], got 0");
}
