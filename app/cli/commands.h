// The `loom` subcommands. Each returns a process exit code (exit_codes.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/core/status.h"

namespace loom::cli {

struct TrainArgs {
  std::string model;
  std::optional<int> epochs, batchSize, threads;
  std::optional<double> learningRate;
  std::optional<std::string> optimizer;
  std::optional<std::uint64_t> seed;
  std::string runDir;
  bool resume = false;
  std::int64_t checkpointEvery = 0;
  std::int64_t maxSteps = 0;
  std::optional<int> trainLimit, testLimit;
  bool noTest = false;
  bool profile = false;
  std::string output;
};

struct EvalArgs {
  std::string model;
  std::string checkpoint;
  std::optional<int> batchSize, threads, testLimit;
};

struct InfoArgs {
  std::string model;
  int batchSize = 1;
  bool kernels = false;
  bool plugins = false;  ///< `loom info --plugins`: list plugins instead of a model (cmd_plugins.cpp)
};

int runTrain(const TrainArgs& args);
int runEval(const EvalArgs& args);
int runInfo(const InfoArgs& args);
int runPluginInfo(const InfoArgs& args);

/// Loads the plugins Loom finds (engine/plugin/plugin_search.h) into the global registries;
/// a refused plugin is skipped, with a warning on stderr when `warnAboutRefused`.
void loadPlugins(bool warnAboutRefused);

/// Prints "loom: error: <message>" to stderr and returns the exit code for the status.
int reportError(const Status& status);

}  // namespace loom::cli
