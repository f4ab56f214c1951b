// `loom`: the headless command line. Thin wiring over the engine; see docs/cli.md.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/core/exception_boundary.h"
#include "engine/core/memory_budget.h"
#include "engine/core/version.h"
#include "engine/explain/registry.h"

namespace {

/// One `--flag VALUE` option per setting the schema gives a flag (train/settings.h): its name,
/// help, allowed values and range all come from there. Values are kept as typed; the command
/// validates them together with the model file's settings.
void addSettingFlag(CLI::App* command, const loom::SettingSpec& spec,
                    std::vector<loom::SettingOverride>& out, const std::string& help = {}) {
  command
      ->add_option_function<std::string>(
          spec.flag,
          [&out, &spec](const std::string& value) {
            out.push_back({spec.path, value, spec.flag + " " + value});
          },
          help.empty() ? loom::settingFlagHelp(spec) : help)
      ->type_name(loom::settingMetavar(spec));
}

/// `loom explain`'s options; the method list and each method's options come from the engine's
/// explainer registry (engine/explain/registry.h).
void addExplainOptions(CLI::App* x, loom::cli::ExplainArgs& a) {
  std::string methods;
  for (const auto& n : loom::ExplainerRegistry::global().names())
    methods += (methods.empty() ? "" : ", ") + n;
  x->add_option("model", a.model, "Model file (.loom)")->required();
  x->add_option("--checkpoint", a.checkpoint, "Checkpoint whose parameters to explain");
  x->add_option("--method", a.methods, "Comma-separated methods: " + methods)
      ->capture_default_str();
  x->add_option("--target", a.target, "Class index to explain, or \"predicted\"")
      ->capture_default_str();
  x->add_option("--samples", a.samples, "Explain the first N test samples (default 8)");
  x->add_option("--first", a.first, "Index of the first test sample")->capture_default_str();
  x->add_option("--images", a.images,
                "Explain these image files instead (size and channels "
                "of the model's input)");
  x->add_option("-o,--output", a.output, "Output directory")->capture_default_str();
  x->add_option("--score", a.score, "What is explained: logit or probability")
      ->capture_default_str();
  x->add_option("--baseline", a.baseline, "Baseline: black, blurred, uniform_noise or dataset_mean")
      ->capture_default_str();
  x->add_option("--node", a.node, "Grad-CAM's Conv2D node (default: the last)");
  x->add_option("--option", a.options, "A method's option, METHOD.NAME=VALUE (ig.steps=100)");
  x->add_option("--superpixels", a.superpixels, "slic, slico or mslic (for shap, lime)")
      ->capture_default_str();
  x->add_option("--region-size", a.regionSize, "Superpixel size in pixels")->capture_default_str();
  x->add_flag("--no-faithfulness", a.noFaithfulness, "Skip the deletion/insertion curves");
  x->add_option("--seed", a.seed, "Seed of the stochastic methods")->capture_default_str();
  x->add_option("--threads", a.threads, "Compute threads (default: the model's setting)");
}

const loom::SettingSpec& setting(const char* path) {
  return *loom::findSetting(path);
}

}  // namespace

/// Parses the command line and runs the chosen command.
static int runLoom(int argc, char** argv) {
  using namespace loom::cli;
  if (const std::string problem = loom::memoryBudgetProblem(); !problem.empty()) {
    std::fprintf(stderr, "loom: error: %s\n", problem.c_str());
    return kExitUsage;
  }
  CLI::App app{"Loom: design, train and inspect neural networks.\n"};
  app.footer(exitCodeHelp());
  app.require_subcommand(1);
  app.set_version_flag("--version", loom::kLoomVersionLine);

  TrainArgs train;
  auto* t = app.add_subcommand("train", "Train a model (.loom) with a live progress bar");
  t->add_option("model", train.model, "Model file (.loom)")->required();
  for (const loom::SettingSpec& spec : loom::settingSpecs())
    if (!spec.flag.empty()) addSettingFlag(t, spec, train.settings);
  t->add_flag("--check", train.check,
              "Only validate the settings (file and flags) and print the effective ones");
  t->add_option("--run-dir", train.runDir, "Run directory (default runs/<model name>)");
  t->add_flag("--resume", train.resume, "Continue from the run directory's last checkpoint");
  t->add_option("--checkpoint-every", train.checkpointEvery, "Also checkpoint every N steps");
  t->add_option("--max-steps", train.maxSteps, "Stop after N optimizer steps in total");
  t->add_flag("--no-test", train.noTest, "Skip the final test-set report");
  t->add_flag("--profile", train.profile, "Print where the time went: per node and per loop phase");
  t->add_option("--timeline", train.timeline,
                "Write a Chrome trace of every step's phases (per rank: FILE.rankR.json)");
  t->add_option("--output", train.output,
                "Write the trained model here (default <run-dir>/trained.loom)");
  t->add_option("--world-size", train.worldSize,
                "Run as one of N MPI ranks (set by loom launch; refuses another world size)");
  t->add_option("--nice", train.nice,
                "Lower this process' CPU priority by N (1-19; on Linux also its session's "
                "autogroup), so interactive programs on the machine stay responsive")
      ->check(CLI::Range(0, 19));

  EvalArgs eval;
  auto* e = app.add_subcommand("eval", "Evaluate a model on its test set");
  e->add_option("model", eval.model, "Model file (.loom)")->required();
  e->add_option("--checkpoint", eval.checkpoint, "Checkpoint whose parameters to use");
  const loom::SettingSpec& batch = setting("training.batch_size");
  e->add_option_function<std::string>(
       "--batch-size", [&eval](const std::string& v) { eval.batchSize = v; },
       "Samples per evaluation step; " + loom::settingRangeText(batch) + ", default 256")
      ->type_name(loom::settingMetavar(batch));
  addSettingFlag(e, setting("training.threads"), eval.settings);
  addSettingFlag(e, setting("dataset.test_limit"), eval.settings);

  EmbedArgs embed;
  auto* em = app.add_subcommand(
      "embed", "Project a node's activations (PCA, t-SNE, UMAP) into a TensorBoard projector");
  em->add_option("model", embed.model, "Model file (.loom)")->required();
  em->add_option("--checkpoint", embed.checkpoints,
                 "Checkpoint whose parameters to use; repeat for a trajectory");
  em->add_option("--node", embed.node, "Node whose output to embed (default: penultimate Dense)");
  em->add_option("--split", embed.split, "Data set split: test or train (default test)");
  em->add_option("--method", embed.method, "Projection: pca, tsne or umap (default pca)");
  em->add_option("-o,--output", embed.output, "Projector directory to write")->required();
  em->add_option("--limit", embed.limit, "Only the first N samples of the split");
  em->add_option("--components", embed.components, "2 or 3 (default 2)");
  em->add_option("--seed", embed.seed, "Seed of the projection (default 0)");
  em->add_option("--perplexity", embed.perplexity, "t-SNE perplexity (default 30)");
  em->add_option("--iterations", embed.iterations, "t-SNE iterations (default 1000)");
  em->add_option("--learning-rate", embed.learningRate, "t-SNE learning rate (default auto)");
  em->add_option("--neighbors", embed.neighbors, "UMAP n_neighbors (default 15)");
  em->add_option("--min-dist", embed.minDist, "UMAP min_dist (default 0.1)");
  em->add_option("--epochs", embed.epochs, "UMAP epochs (default 500, or 200 above 10,000 points)");
  em->add_option("--tensor-format", embed.tensorFormat,
                 "bytes (raw float32) or tsv (default bytes)");
  em->add_flag("--no-sprite", embed.noSprite, "Do not write the sprite of thumbnails");
  addSettingFlag(em, setting("training.threads"), embed.settings);

  SettingsArgs settings;
  auto* s = app.add_subcommand("settings", "Print every training setting: range, default, flag");
  s->add_flag("--markdown", settings.markdown, "As the Markdown table of docs/optim.md");

  ExitCodesArgs exitCodes;
  auto* xc = app.add_subcommand("exit-codes", "Print every exit code of loom and its meaning");
  xc->add_flag("--markdown", exitCodes.markdown, "As the Markdown table of docs/cli.md");

  InfoArgs info;
  auto* i = app.add_subcommand("info", "Print every node's output shape, parameters and FLOPs");
  i->add_option("model", info.model, "Model file (.loom); not needed with --plugins");
  i->add_flag("--plugins", info.plugins,
              "List the plugins found: what each added, or why it was refused");
  i->add_option("--batch-size", info.batchSize, "Batch size for shapes and memory (default 1)");
  i->add_flag("--kernels", info.kernels, "Also show which backend kernel runs each node and why");
  i->add_option("--device", info.device,
                "With --kernels: the device to place the kernels on (cpu, cuda, cuda:N; "
                "default: the model's training.device)");

  RunsArgs runs;
  auto* r = app.add_subcommand(
      "runs", "List the runs under a log directory: tags, points, steps, last values, problems");
  r->add_option("logdir", runs.logdir, "Log directory (e.g. runs) or one run directory")
      ->required();

  ExportArgs exp;
  auto* x = addExportCommand(app, exp);

  PredictArgs pred;
  auto* p = app.add_subcommand("predict", "Top-k labels from a .loom (Loom) or .onnx (OpenCV)");
  p->add_option("model", pred.model, "Model file (.loom or .onnx)")->required();
  p->add_option("images", pred.images, "PNG/JPEG images (preprocessed as the model says)");
  p->add_option("--input", pred.input, "A NumPy float32 N x C x H x W array, fed as it is");
  p->add_option("--split", pred.split, "Predict on the model's data set split: test")
      ->check(CLI::IsMember({"test"}));
  p->add_option("--limit", pred.limit, "With --split: the first N samples (default 10)");
  p->add_option("--checkpoint", pred.checkpoint, "Checkpoint whose parameters to use (.loom)");
  p->add_option("--save-outputs", pred.saveOutputs, "Write the raw outputs as a .npy file");
  p->add_option("--top-k", pred.topK, "Labels to print per sample (default 3)");
  p->add_option("--batch-size", pred.batchSize, "Samples per forward pass (default 64)");

  ImportArgs imp;
  auto* im = app.add_subcommand("import", "Import an ONNX model into a .loom file");
  im->add_option("model", imp.onnx, "ONNX file")->required();
  im->add_option("-o,--output", imp.output, ".loom file to write")->required();

  EditArgs edit;
  auto* ed = app.add_subcommand(
      "edit", "Transfer learning: cut a model after a node, append a new head, freeze");
  ed->add_option("model", edit.model, "Model file (.loom)")->required();
  ed->add_option("--checkpoint", edit.checkpoint, "Checkpoint whose parameters to carry over");
  ed->add_option("--cut-after", edit.cutAfter,
                 "Keep this node and every node before it; it becomes the output")
      ->type_name("NODE");
  ed->add_option("--append-head", edit.appendHead,
                 "Append Flatten (if needed) + Dense(N) after the output: N classes")
      ->type_name("N");
  ed->add_option("--freeze-until", edit.freezeUntil,
                 "Set training.freeze_until: " + setting("training.freeze_until").help)
      ->type_name(loom::settingMetavar(setting("training.freeze_until")));
  ed->add_option("-o,--output", edit.output, ".loom file to write")->required();

  ExplainArgs explain;
  auto* xp = app.add_subcommand(
      "explain", "Attribution maps (IG, Grad-CAM, SHAP, LIME, ...) as PNG, .npy, CSV");
  addExplainOptions(xp, explain);

  LaunchArgs launch;
  auto* la = app.add_subcommand(
      "launch",
      "Train data-parallel on N ranks through Open MPI (mpirun or srun; docs/distributed.md)");
  la->add_option("--np", launch.ranks, "Number of ranks (processes)")->required();
  la->add_option("--hostfile", launch.hostfile,
                 "Open MPI hostfile (HOST [slots=N] per line); default: all ranks here");
  la->add_flag("--dry-run", launch.dryRun, "Print the mpirun command, one argument per line");
  la->add_flag(
      "--slurm", launch.slurm,
      "Start the ranks with srun --mpi=pmix (in or outside an allocation) instead of mpirun");
  la->add_option("--sbatch-script", launch.sbatchScript,
                 "Write a batch script running the srun command (for sbatch FILE), start nothing");
  la->add_option("--max-restarts", launch.maxRestarts,
                 "Restart a failed job up to N times, resuming from its last checkpoint");
  la->add_option("--restart-backoff", launch.restartBackoff,
                 "Seconds before the first restart, doubling each time (default 1)");
  la->add_option("train", launch.trainArgs, "-- MODEL.loom [loom train options]")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    int code = app.exit(err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  loadPlugins(/*warnAboutRefused=*/!info.plugins);
  if (*t) return runTrain(train);
  if (*la) return runLaunch(launch);
  if (*e) return runEval(eval);
  if (*em) return runEmbed(embed);
  if (*xp) return runExplain(explain);
  if (*i && info.plugins) return runPluginInfo(info);
  if (*i && info.model.empty())
    return reportError(loom::invalidArgument("loom info needs a model file (or --plugins)"));
  if (*i) return runInfo(info);
  if (*s) return runSettings(settings);
  if (*xc) return runExitCodes(exitCodes);
  if (*r) return runRuns(runs);
  if (*x) return runExport(exp);
  if (*p) return runPredict(pred);
  if (*im) return runImport(imp);
  if (*ed) return runEdit(edit);
  return kExitUsage;
}

// Nothing escapes as an exception: a throw from a library (allocation, JSON, protobuf, OpenCV)
// becomes a message and its documented exit code instead of std::terminate's abort.
int main(int argc, char** argv) {
  int code = loom::cli::kExitInternal;
  const std::string command = argc > 1 ? std::string("loom ") + argv[1] : "loom";
  const loom::Status status = loom::guarded(command, [&] {
    code = runLoom(argc, argv);
    return loom::Status::ok();
  });
  return status.isOk() ? code : loom::cli::reportError(status);
}
