// The `loom` subcommands. Each returns a process exit code (exit_codes.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/train/settings.h"

namespace loom::cli {

struct TrainArgs {
  std::string model;
  /// The setting flags (--epochs, --lr, ...; main.cpp makes one per flag of the settings
  /// schema), as typed. Validated, with the file's settings, before any default is applied.
  std::vector<SettingOverride> settings;
  bool check = false;  ///< validate the settings, print the effective ones, do not train
  std::string runDir;
  bool resume = false;
  std::int64_t checkpointEvery = 0;
  std::int64_t maxSteps = 0;
  bool noTest = false;
  bool profile = false;
  std::string output;
};

struct EvalArgs {
  std::string model;
  std::string checkpoint;
  std::optional<std::string> batchSize;   ///< as typed; the training.batch_size rules apply
  std::vector<SettingOverride> settings;  ///< --threads, --test-limit
};

struct SettingsArgs {
  bool markdown = false;  ///< the table of docs/optim.md instead of the terminal listing
};

struct InfoArgs {
  std::string model;
  int batchSize = 1;
  bool kernels = false;
  bool plugins =
      false;  ///< `loom info --plugins`: list plugins instead of a model (cmd_plugins.cpp)
};

/// `loom explain` (cmd_explain.cpp). Text values are checked by the engine's parsers.
struct ExplainArgs {
  std::string model;
  std::string checkpoint;
  std::string methods = "ig,gradcam,shap,lime";  ///< comma-separated registry names
  std::string target = "predicted";              ///< a class index or "predicted"
  std::optional<std::int64_t> samples;           ///< first N test samples (default 8)
  std::int64_t first = 0;                        ///< index of the first test sample
  std::vector<std::string> images;               ///< image files instead of test samples
  std::string output = "explain";
  std::string score = "logit";  ///< logit | probability
  std::string baseline = "black";
  std::string node;                  ///< Grad-CAM's convolution (default: the last)
  std::vector<std::string> options;  ///< METHOD.NAME=VALUE
  std::string superpixels = "slic";
  int regionSize = 7;
  bool noFaithfulness = false;
  std::uint64_t seed = 0;
  int threads = 0;
};

int runTrain(const TrainArgs& args);
int runExplain(const ExplainArgs& args);
int runEval(const EvalArgs& args);
int runInfo(const InfoArgs& args);
int runPluginInfo(const InfoArgs& args);

/// Loads the plugins Loom finds (engine/plugin/plugin_search.h) into the global registries;
/// a refused plugin is skipped, with a warning on stderr when `warnAboutRefused`.
void loadPlugins(bool warnAboutRefused);
int runSettings(const SettingsArgs& args);

/// Prints "loom: error: <message>" to stderr and returns the exit code for the status.
int reportError(const Status& status);

}  // namespace loom::cli
