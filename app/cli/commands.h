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

struct ExportArgs {
  std::string model;
  std::string checkpoint;
  std::string output;
  int opset = 13;
  bool foldBn = false;
  bool noParity = false;
  std::int64_t parityImages = 1000;
  std::vector<std::int64_t> parityBatches = {1, 64};
  double tolerance = 1e-4;
};

struct PredictArgs {
  std::string model;                ///< .loom (Loom's engine) or .onnx (OpenCV's runtime)
  std::vector<std::string> images;  ///< PNG/JPEG files
  std::string input;                ///< --input X.npy
  std::string split;                ///< --split test
  std::int64_t limit = 10;
  std::string checkpoint;
  std::string saveOutputs;
  int topK = 3;
  std::int64_t batchSize = 64;
};

struct ImportArgs {
  std::string onnx;
  std::string output;
};

int runTrain(const TrainArgs& args);
int runExport(const ExportArgs& args);
int runPredict(const PredictArgs& args);
int runImport(const ImportArgs& args);
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
