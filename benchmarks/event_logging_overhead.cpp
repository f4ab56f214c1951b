// loom_bench_event_logging: what TensorBoard event logging adds to a training step, measured
// side by side in one process (issue 7: under 2 % at the default intervals).
//
//   loom_bench_event_logging MODEL.loom [--steps 600] [--block 20] [--threads 1]
//
// Two Trainers of the same model and data (Trainer::step(), the loop `loom train` runs): one
// with training.logging.events "off", one with the defaults ("on", histograms every 200
// steps). They take turns, `--block` steps each, until each has taken `--steps` timed steps,
// so both see the same machine load. Steps that end an epoch (validation, checkpoint, probe
// images and confusion matrix) are not timed: the figure is the per-step cost. The validation
// split is switched off and the test split is not evaluated.
//
// Prints one JSON object: per variant the mean and median step in milliseconds and the steps
// timed, and "overhead_percent" = (mean on / mean off - 1) * 100 (and the same for medians).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/graph/model.h"
#include "engine/train/trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Variant {
  const char* name;
  std::unique_ptr<loom::Trainer> trainer;
  std::vector<double> ms;
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.loom [--steps N] [--block N] [--threads N]\n", argv[0]);
    return 2;
  }
  std::int64_t steps = 600, block = 20, threads = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::int64_t v = std::atoll(argv[i + 1]);
    if (flag == "--steps")
      steps = v;
    else if (flag == "--block")
      block = v;
    else if (flag == "--threads")
      threads = v;
  }
  auto loaded = loom::loadModel(argv[1]);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.status().message().c_str());
    return 1;
  }
  loom::Model model = *loaded;
  model.training.set_validation_fraction(0);
  model.training.set_threads(static_cast<int>(threads));
  model.training.set_epochs(1000);  // never the limit: the benchmark stops by step count
  const auto root = std::filesystem::temp_directory_path() /
                    ("loom_bench_event_logging_" + std::to_string(::getpid()));
  std::vector<Variant> variants;
  for (const char* name : {"off", "on"}) {
    loom::Model m = model;
    m.training.mutable_logging()->set_events(name);
    loom::TrainOptions o;
    o.runDir = (root / name).string();
    o.evaluateTest = false;
    auto trainer = loom::Trainer::create(m, o);
    if (!trainer) {
      std::fprintf(stderr, "%s\n", trainer.status().message().c_str());
      return 1;
    }
    variants.push_back({name, std::move(*trainer), {}});
  }
  // Warm-up: a few steps each (plans, caches, the loader's first batches).
  for (auto& v : variants)
    for (int i = 0; i < 5; ++i) (void)v.trainer->step();
  while (variants[0].ms.size() < static_cast<std::size_t>(steps) ||
         variants[1].ms.size() < static_cast<std::size_t>(steps)) {
    for (auto& v : variants) {
      for (std::int64_t i = 0; i < block; ++i) {
        const loom::TrainerPosition p = v.trainer->position();
        const bool endsEpoch = p.stepInEpoch + 1 == p.stepsPerEpoch;
        const auto start = Clock::now();
        const loom::Status st = v.trainer->step();
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!st.isOk()) {
          std::fprintf(stderr, "%s: %s\n", v.name, st.message().c_str());
          return 1;
        }
        if (!endsEpoch) v.ms.push_back(ms);
      }
    }
  }
  nlohmann::json out;
  out["model"] = argv[1];
  out["threads"] = threads;
  out["histogram_every"] = 200;
  for (const auto& v : variants) {
    out[v.name] = {{"mean_ms", mean(v.ms)}, {"median_ms", median(v.ms)}, {"steps", v.ms.size()}};
  }
  out["overhead_percent"] = (mean(variants[1].ms) / mean(variants[0].ms) - 1) * 100;
  out["median_overhead_percent"] = (median(variants[1].ms) / median(variants[0].ms) - 1) * 100;
  std::printf("%s\n", out.dump(2).c_str());
  for (auto& v : variants) v.trainer.reset();
  std::filesystem::remove_all(root);
  return 0;
}
