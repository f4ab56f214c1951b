// Seeded random training settings for the tests that feed the same settings to several
// consumers (engine validator, studio Document, `loom train --check`) and compare verdicts.
//
// The values are drawn from per-type pools that mix valid values, boundaries, out-of-range
// values, NaN/Inf, zeros (which mean "not given" where a setting has a default), names in odd
// case, unknown names and names of the wrong list; some cases also build a dependency
// violation on purpose (Nesterov without sgd or momentum, step without step_epochs, cosine
// with min_lr above the rate, gamma above 1, csv without a path). The pools are written from
// the documented rules (docs/optim.md), not read from the schema, so a schema change that
// narrows or widens a range is visible as a change in the verdicts.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/proto/loom.pb.h"
#include "engine/train/settings.h"

namespace loom::test {

struct RandomSettings {
  pb::TrainingConfig training;
  pb::DatasetConfig dataset;
};

class SettingsGenerator {
 public:
  explicit SettingsGenerator(std::uint64_t seed) : m_rng(seed) {}

  RandomSettings next() {
    RandomSettings r = base();
    const int mutations = pick<int>({0, 1, 1, 2, 3});
    for (int i = 0; i < mutations; ++i) mutate(r);
    if (chance(0.2)) violateDependency(r);
    return r;
  }

  /// A random spelling of `name`: each letter upper or lower case.
  std::string oddCase(std::string name) {
    for (char& c : name)
      if (chance(0.5)) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
  }

  std::mt19937_64& rng() { return m_rng; }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(m_rng) < p; }
  template <typename T>
  T pick(const std::vector<T>& values) {
    return values[std::uniform_int_distribution<std::size_t>(0, values.size() - 1)(m_rng)];
  }

 private:
  /// Empty (everything "not given"), or a complete valid configuration, or a typical one.
  RandomSettings base() {
    RandomSettings r;
    switch (std::uniform_int_distribution<int>(0, 2)(m_rng)) {
      case 0:
        break;
      case 1: {
        r.training.set_epochs(3);
        r.training.set_batch_size(32);
        auto* o = r.training.mutable_optimizer();
        o->set_type("sgd");
        o->set_learning_rate(0.05);
        o->set_momentum(0.9);
        o->set_nesterov(true);
        r.training.mutable_schedule()->set_type("step");
        r.training.mutable_schedule()->set_step_epochs(2);
        r.dataset.set_train_limit(1000);
        break;
      }
      case 2:
        applyTrainingDefaults(r.training, r.dataset);
        r.training.mutable_schedule()->set_type("cosine");
        r.training.mutable_schedule()->set_min_lr(1e-5);
        break;
    }
    return r;
  }

  void mutate(RandomSettings& r) {
    const std::vector<SettingSpec>& specs = settingSpecs();
    const SettingSpec& s =
        specs[std::uniform_int_distribution<std::size_t>(0, specs.size() - 1)(m_rng)];
    setSetting(s, value(s), r.training, r.dataset);
  }

  SettingValue value(const SettingSpec& s) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    switch (s.type) {
      case SettingType::Int:
        return pick<std::int64_t>({0, 1, 2, 3, 5, 10, 64, 1024, 1025, -1, -7, 2147483647});
      case SettingType::Seed:
        return pick<std::uint64_t>({0, 1, 7, 42, std::numeric_limits<std::uint64_t>::max()});
      case SettingType::Float:
        return pick<double>({0, 1e-8, 1e-4, 0.001, 0.01, 0.1, 0.5, 0.9, 0.999, 1, 1.5, 10, 1e30,
                             -0.1, -1, -0.0, nan, inf, -inf});
      case SettingType::Bool:
        return chance(0.5);
      case SettingType::Name: {
        std::vector<std::string> names = settingNames(s);
        names.insert(names.end(), {"", "adamax", "linear", "hinge", "imagenet", "step", "sgd"});
        return oddCase(pick(names));
      }
      case SettingType::Text:
        // A node name (training.freeze_until): "" or the Input every test model has. Whether a
        // name exists is a rule of the graph, which the trainer and `loom train` check and the
        // settings validator cannot (it has no graph), so random names would split verdicts.
        if (s.textKind == TextKind::Node) return pick<std::string>({"", "image"});
        return pick<std::string>({"", "/tmp/features.csv", "/usr/share/datasets/fashion-mnist"});
      case SettingType::IntList:
        return pick<std::vector<std::int64_t>>({{}, {1}, {5}, {1, 5}, {0}, {-3, 5}});
    }
    return false;
  }

  void violateDependency(RandomSettings& r) {
    auto* o = r.training.mutable_optimizer();
    auto* s = r.training.mutable_schedule();
    switch (std::uniform_int_distribution<int>(0, 4)(m_rng)) {
      case 0:  // Nesterov where it is refused (or, by chance, allowed)
        o->set_nesterov(true);
        o->set_type(oddCase(pick<std::string>({"sgd", "adam", "rmsprop"})));
        o->set_momentum(pick<double>({0, 0.9}));
        break;
      case 1:
        s->set_type(oddCase("step"));
        s->set_step_epochs(pick<int>({0, 1}));
        break;
      case 2:
        s->set_type("cosine");
        o->set_learning_rate(pick<double>({0, 0.001, 0.1}));
        s->set_min_lr(pick<double>({0.0005, 0.01, 0.2}));
        break;
      case 3:
        s->set_type(pick<std::string>({"step", "constant"}));
        s->set_step_epochs(3);
        s->set_gamma(pick<double>({0.5, 1.0, 1.5, 2.0}));
        break;
      case 4:
        r.dataset.set_kind(oddCase(pick<std::string>({"csv", "idx", "fashion_mnist"})));
        r.dataset.set_path(pick<std::string>({"", "/tmp/features.csv"}));
        break;
    }
  }

  std::mt19937_64 m_rng;
};

}  // namespace loom::test
