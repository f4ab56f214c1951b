// The `loom` subcommands. Each returns a process exit code (exit_codes.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/model.h"
#include "engine/interop/export_job.h"
#include "engine/train/settings.h"

namespace CLI {
class App;
}

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
  std::string timeline;  ///< --timeline FILE: this rank's Chrome trace (engine/dist/timeline.h)
  std::string output;
  /// --world-size N (set by `loom launch`): run as one rank of an MPI job of N ranks and
  /// refuse to start if MPI reports another size. 0: one process, no MPI.
  int worldSize = 0;
  /// --nice N (1..19): lower this process' CPU priority before anything starts (see
  /// lowerOwnPriority in cmd_train.cpp). 0: unchanged.
  int nice = 0;
};

struct EvalArgs {
  std::string model;
  std::string checkpoint;
  std::optional<std::string> batchSize;   ///< as typed; the training.batch_size rules apply
  std::vector<SettingOverride> settings;  ///< --threads, --test-limit
};

struct ExitCodesArgs {
  bool markdown = false;
};

struct SettingsArgs {
  bool markdown = false;  ///< the table of docs/optim.md instead of the terminal listing
};

struct InfoArgs {
  std::string model;
  int batchSize = 1;
  bool kernels = false;
  std::string device;  ///< `--device`: kernels placed for this device; empty = training.device
  bool plugins =
      false;  ///< `loom info --plugins`: list plugins instead of a model (cmd_plugins.cpp)
};

struct RunsArgs {
  std::string logdir;  ///< a log directory (runs are found below it) or one run directory
};

/// `loom embed` (cmd_embed.cpp): numeric options stay unset unless given, so the engine's
/// defaults (engine/embed/*.h) apply and its validators check what was typed.
struct EmbedArgs {
  std::string model;
  std::vector<std::string> checkpoints;  ///< one entry per --checkpoint; several: a trajectory
  std::string node;                      ///< empty: the penultimate Dense
  std::string split = "test";
  std::string method = "pca";
  std::string output;
  std::string tensorFormat = "bytes";
  int components = 2;
  std::uint64_t seed = 0;
  bool noSprite = false;
  std::optional<std::int64_t> limit;
  std::optional<double> perplexity, learningRate, minDist;
  std::optional<std::int64_t> iterations, neighbors, epochs;
  std::vector<SettingOverride> settings;  ///< --threads
};

int runEmbed(const EmbedArgs& args);

/// `loom export` (cmd_export.cpp): the options are the engine's (interop/export_job.h), shared
/// with the studio's Export mode.
struct ExportArgs {
  std::string model;
  ExportJobOptions job;
  bool noParity = false;  ///< --no-parity (job.parity is its negation)
};

/// Adds the `export` subcommand to `app`, its options built from exportOptionSpecs().
CLI::App* addExportCommand(CLI::App& app, ExportArgs& args);

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

/// `loom edit` (cmd_edit.cpp): transfer-learning surgery (engine/graph/transfer.h).
struct EditArgs {
  std::string model;
  std::string checkpoint;                  ///< parameters to carry instead of the file's
  std::string cutAfter;                    ///< --cut-after NODE
  std::optional<std::int64_t> appendHead;  ///< --append-head N (checked by the engine: >= 1)
  std::string freezeUntil;                 ///< --freeze-until NODE: sets training.freeze_until
  std::string output;
};

int runEdit(const EditArgs& args);
int runExport(const ExportArgs& args);
int runPredict(const PredictArgs& args);
int runImport(const ImportArgs& args);

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
/// The run directory `loom train` uses without --run-dir: runs/<model name> ("model" when
/// the model has none).
std::string defaultRunDir(const Model& model);
int runExplain(const ExplainArgs& args);
int runEval(const EvalArgs& args);
int runInfo(const InfoArgs& args);
int runPluginInfo(const InfoArgs& args);

/// Loads the plugins Loom finds (engine/plugin/plugin_search.h) into the global registries;
/// a refused plugin is skipped, with a warning on stderr when `warnAboutRefused`.
void loadPlugins(bool warnAboutRefused);
int runSettings(const SettingsArgs& args);
int runExitCodes(const ExitCodesArgs& args);
/// `loom runs LOGDIR` (cmd_runs.cpp).
int runRuns(const RunsArgs& args);

/// `loom launch --np N [--hostfile H] [--dry-run] -- MODEL.loom [train options]`
/// (cmd_launch.cpp, docs/distributed.md).
struct LaunchArgs {
  int ranks = 0;
  std::string hostfile;
  bool dryRun = false;
  bool slurm = false;           ///< srun instead of mpirun (docs/distributed.md, "Slurm")
  std::string sbatchScript;     ///< write an sbatch script running the srun command, and stop
  int maxRestarts = 0;          ///< restart a failed job up to this many times (0: never)
  double restartBackoff = 1.0;  ///< seconds before the first restart; doubles each time
  std::vector<std::string> trainArgs;  ///< MODEL.loom first, then `loom train` options
};
int runLaunch(const LaunchArgs& args);

/// Prints "loom: error: <message>" to stderr and returns the exit code for the status.
int reportError(const Status& status);

/// The parameters a command runs on (trained_parameters.cpp): `checkpoint`'s when one is given,
/// else the model file's own. A model with neither runs on fresh initial values, and a warning
/// naming `modelPath` says so, ending with `withoutThem` (e.g. "exporting freshly initialised
/// weights").
Status useTrainedParameters(Model& model, const std::string& checkpoint,
                            const std::string& modelPath, const char* withoutThem);

}  // namespace loom::cli
