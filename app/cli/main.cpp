// `loom`: the headless command line. Thin wiring over the engine; see docs/cli.md.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"

int main(int argc, char** argv) {
  using namespace loom::cli;
  CLI::App app{"Loom: design, train and inspect neural networks.\n"};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  app.set_version_flag("--version", "loom 0.1.0");

  TrainArgs train;
  auto* t = app.add_subcommand("train", "Train a model (.loom) with a live progress bar");
  t->add_option("model", train.model, "Model file (.loom)")->required();
  t->add_option("--epochs", train.epochs, "Number of epochs (overrides the model's)");
  t->add_option("--batch-size", train.batchSize, "Samples per step");
  t->add_option("--lr", train.learningRate, "Learning rate");
  t->add_option("--optimizer", train.optimizer, "sgd | adam | adamw | rmsprop")
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop"}));
  t->add_option("--threads", train.threads, "Compute threads (0 = all cores)");
  t->add_option("--seed", train.seed, "Random seed (data order, initial weights, dropout)");
  t->add_option("--run-dir", train.runDir, "Run directory (default runs/<model name>)");
  t->add_flag("--resume", train.resume, "Continue from the run directory's last checkpoint");
  t->add_option("--checkpoint-every", train.checkpointEvery, "Also checkpoint every N steps");
  t->add_option("--max-steps", train.maxSteps, "Stop after N optimizer steps in total");
  t->add_option("--train-limit", train.trainLimit, "Use only the first N training samples");
  t->add_option("--test-limit", train.testLimit, "Use only the first N test samples");
  t->add_flag("--no-test", train.noTest, "Skip the final test-set report");
  t->add_flag("--profile", train.profile, "Print where the time went: per node and per loop phase");
  t->add_option("--output", train.output, "Write the trained model here (default <run-dir>/trained.loom)");

  EvalArgs eval;
  auto* e = app.add_subcommand("eval", "Evaluate a model on its test set");
  e->add_option("model", eval.model, "Model file (.loom)")->required();
  e->add_option("--checkpoint", eval.checkpoint, "Checkpoint whose parameters to use");
  e->add_option("--batch-size", eval.batchSize, "Samples per step");
  e->add_option("--threads", eval.threads, "Compute threads (0 = all cores)");
  e->add_option("--test-limit", eval.testLimit, "Use only the first N test samples");

  InfoArgs info;
  auto* i = app.add_subcommand("info", "Print every node's output shape, parameters and FLOPs");
  i->add_option("model", info.model, "Model file (.loom); not needed with --plugins");
  i->add_flag("--plugins", info.plugins, "List the plugins found: what each added, or why it was refused");
  i->add_option("--batch-size", info.batchSize, "Batch size for shapes and memory (default 1)");
  i->add_flag("--kernels", info.kernels, "Also show which backend kernel runs each node and why");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& err) {
    int code = app.exit(err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  loadPlugins(/*warnAboutRefused=*/!info.plugins);
  if (*t) return runTrain(train);
  if (*e) return runEval(eval);
  if (*i && info.plugins) return runPluginInfo(info);
  if (*i && info.model.empty()) return reportError(loom::invalidArgument("loom info needs a model file (or --plugins)"));
  if (*i) return runInfo(info);
  return kExitUsage;
}
