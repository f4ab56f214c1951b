// `loom train` and `loom eval`.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "app/cli/progress_bar.h"
#include "engine/core/threads.h"
#include "engine/dist/mpi/mpi_communicator.h"
#include "engine/graph/model.h"
#include "engine/train/freeze.h"
#include "engine/train/settings.h"
#include "engine/train/trainer.h"

namespace loom::cli {

namespace {
std::atomic<bool> g_cancel{false};
std::atomic<bool> g_checkpointNow{false};
extern "C" void onSigint(int) {
  if (g_cancel.exchange(true)) std::_Exit(kExitCancelled);  // second Ctrl+C: leave now
}
extern "C" void onSigusr1(int) {
  g_checkpointNow.store(true);
}

void printEval(const char* what, const EvalMetrics& m) {
  std::printf("%s: loss %.4f  accuracy %.2f%%", what, m.loss, 100.0 * m.accuracy);
  for (const auto& [k, acc] : m.topK) std::printf("  top-%d %.2f%%", k, 100.0 * acc);
  std::printf("  (%lld samples)\n", static_cast<long long>(m.samples));
}
void printProfile(const TrainResult& r) {
  double loop = 0;
  for (const auto& [name, s] : r.phaseSeconds) loop += s;
  std::printf("\nprofile: %.2f s in the training loop\n", loop);
  for (const auto& [name, s] : r.phaseSeconds)
    std::printf("  %-16s %8.3f s  %5.1f%%\n", name.c_str(), s, 100.0 * s / std::max(1e-9, loop));
  std::printf("  %-20s %-52s %10s %10s %12s\n", "node", "kernel", "fwd ms", "bwd ms", "fwd+bwd %");
  double kernels = 0;
  for (const auto& t : r.nodeTimings) kernels += t.forwardSeconds + t.backwardSeconds;
  for (const auto& t : r.nodeTimings) {
    const double calls = static_cast<double>(std::max<std::int64_t>(1, t.calls));
    std::printf("  %-20s %-52.52s %10.3f %10.3f %11.1f%%\n", t.node.c_str(), t.impl.c_str(),
                1e3 * t.forwardSeconds / calls, 1e3 * t.backwardSeconds / calls,
                100.0 * (t.forwardSeconds + t.backwardSeconds) / std::max(1e-9, kernels));
  }
}

/// The MPI side of `loom train --world-size N` (docs/distributed.md): joins the job and checks
/// that it is the size asked for (srun without PMI, or a stray mpirun, starts singletons).
/// Without --world-size, refuses to run as one of several ranks mpirun started, since they
/// would all write the same run directory.
Expected<std::shared_ptr<MpiCommunicator>> joinJob(int worldSize) {
  if (worldSize <= 0) {
    const char* ranks = std::getenv("OMPI_COMM_WORLD_SIZE");
    if (ranks && std::atoi(ranks) > 1)
      return invalidArgument(std::string("this process is one of ") + ranks +
                             " ranks started by mpirun, but loom train was not given "
                             "--world-size; start distributed runs with loom launch");
    const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
    if (tasks && std::atoi(tasks) > 1)
      return invalidArgument(std::string("this process is one of ") + tasks +
                             " tasks started by srun, but loom train was not given "
                             "--world-size; start distributed runs with loom launch --slurm");
    return std::shared_ptr<MpiCommunicator>();
  }
  // srun without PMIx (its default --mpi=none) gives Open MPI nothing to join: every task
  // would fail inside MPI_Init with a page about building Open MPI. Say what to do instead.
  if (std::getenv("SLURM_STEP_ID") && !std::getenv("PMIX_RANK") && !std::getenv("PMI_RANK") &&
      !std::getenv("OMPI_COMM_WORLD_RANK")) {
    const char* task = std::getenv("SLURM_PROCID");
    const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
    return invalidArgument(std::string("task ") + (task ? task : "?") + " of " +
                           (tasks ? tasks : "?") +
                           " was started by srun without PMIx, so it cannot join a job of " +
                           std::to_string(worldSize) +
                           " ranks: use srun --mpi=pmix (loom launch --slurm does), or mpirun");
  }
  LOOM_ASSIGN_OR_RETURN(auto mpi, MpiCommunicator::create(nullptr, nullptr));
  if (mpi->size() != worldSize)
    return invalidArgument("rank " + std::to_string(mpi->rank()) + " on " + mpi->hostName() +
                           " is in a job of " + std::to_string(mpi->size()) +
                           " rank(s), but --world-size " + std::to_string(worldSize) +
                           " was requested (was it started by mpirun or loom launch?)");
  return mpi;
}

void printEffectiveSettings(const Model& model, const std::string& path) {
  std::printf("%s: the settings are valid; training uses:\n", path.c_str());
  for (const SettingSpec& s : settingSpecs())
    std::printf("  %-42s %s\n", s.path.c_str(),
                settingValueText(getSetting(s, model.training, model.dataset)).c_str());
}
/// Lowers the nice value of every thread of this process (Linux keeps one per thread; threads
/// started later inherit the caller's) and, where the kernel groups processes by session
/// (Linux autogroup, /proc/self/autogroup), the session's: a rank started over ssh is its own
/// session, and nice values do not cross sessions, so without the second a rank on the
/// studio's machine still starves the studio's GUI thread (docs/workers-mode.md). Lowering is
/// allowed to any process; failures are ignored.
void lowerOwnPriority(int nice) {
  if (nice <= 0) return;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    const id_t tid = static_cast<id_t>(std::atoll(task.path().filename().c_str()));
    errno = 0;
    const int now = getpriority(PRIO_PROCESS, tid);
    if (errno == 0 && now < nice) (void)setpriority(PRIO_PROCESS, tid, nice);
  }
  if (std::FILE* f = std::fopen("/proc/self/autogroup", "w")) {
    std::fprintf(f, "%d", nice);
    std::fclose(f);
  }
}

}  // namespace

std::string defaultRunDir(const Model& model) {
  return "runs/" + (model.name.empty() ? std::string("model") : model.name);
}

int runTrain(const TrainArgs& args) {
  lowerOwnPriority(args.nice);
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  if (Status st = resolveSettings(model, args.settings, args.model); !st) return reportError(st);
  // A node name the graph lacks is refused before any data is read.
  if (auto frozen = resolveFrozenSet(model.graph, model.training.freeze_until()); !frozen)
    return reportError(frozen.status().withContext(args.model));
  if (args.check) {
    printEffectiveSettings(model, args.model);
    return kExitOk;
  }
  const pb::TrainingConfig& tc = model.training;
  auto joined = joinJob(args.worldSize);
  if (!joined) return reportError(joined.status());
  const std::shared_ptr<MpiCommunicator> mpi = *joined;
  const int rank = mpi ? mpi->rank() : 0;
  const std::string who =
      mpi ? "rank " + std::to_string(rank) + " (" + mpi->hostName() + "): " : std::string();
  // A rank that fails takes the job down at once (mpirun names it); a stop is agreed by every
  // rank at the same step (trainer), so each ends normally.
  auto fail = [&](const Status& given) {
    // An error in the model (analysis: a shape, a size beyond the memory budget) names the
    // file, as `loom info` does; the trainer itself knows only the graph.
    const bool ofTheModel =
        exitCodeFor(given) == kExitModel && given.message().rfind(args.model, 0) != 0;
    const Status st = ofTheModel ? given.withContext(args.model) : given;
    const int code = reportError(mpi ? st.withContext(who.substr(0, who.size() - 2)) : st);
    if (mpi && mpi->size() > 1 && st.code() != ErrorCode::Cancelled) mpi->abortJob(code);
    return code;
  };

  TrainOptions options;
  options.communicator = mpi;
  options.runDir = args.runDir.empty() ? defaultRunDir(model) : args.runDir;
  options.timelinePath = args.timeline;
  options.resume = args.resume;
  options.checkpointEverySteps = args.checkpointEvery;
  options.maxSteps = args.maxSteps;
  options.evaluateTest = !args.noTest;
  options.profile = args.profile;
  options.cancel = &g_cancel;
  options.checkpointNow = &g_checkpointNow;
  ProgressBar bar(stderr);
  if (rank == 0) options.onProgress = [&](const TrainProgress& p) { bar.update(p); };
  options.onMessage = [&](const std::string& m) {
    bar.finishLine();
    std::fprintf(stderr, "loom: %s%s\n", who.c_str(), m.c_str());
  };
  if (rank == 0)
    options.onEpoch = [&](const EpochMetrics& m) {
      bar.finishLine();
      std::printf("epoch %lld: train loss %.4f acc %.2f%%", static_cast<long long>(m.epoch + 1),
                  m.trainLoss, 100.0 * m.trainAccuracy);
      if (m.validationLoss >= 0)
        std::printf(" | valid loss %.4f acc %.2f%%", m.validationLoss,
                    100.0 * m.validationAccuracy);
      std::printf(" | lr %.3g | %.1f s, %.0f samples/s\n", m.learningRate, m.seconds,
                  m.samplesPerSecond);
      std::fflush(stdout);
    };
  std::signal(SIGINT, onSigint);
  std::signal(SIGTERM, onSigint);
  std::signal(SIGUSR1, onSigusr1);  // `kill -USR1 <pid>`: checkpoint at the next step

  if (rank == 0) {
    std::printf("training %s (%s) for %d epochs, batch %d, %s lr %g, %d threads, seed %llu\n",
                model.name.c_str(), args.model.c_str(), tc.epochs(), tc.batch_size(),
                tc.optimizer().type().c_str(), tc.optimizer().learning_rate(),
                tc.threads() > 0 ? tc.threads() : computeThreads(),
                static_cast<unsigned long long>(tc.seed()));
    if (mpi)
      std::printf("data-parallel: %d ranks, global batch %lld, allreduce bucket %d KiB\n",
                  mpi->size(), static_cast<long long>(tc.batch_size()) * mpi->size(),
                  tc.allreduce_bucket_kib() > 0 ? tc.allreduce_bucket_kib() : 25600);
    std::printf("run directory: %s\n", options.runDir.c_str());
    std::fflush(stdout);
  }
  auto result = train(model, options);
  bar.finishLine();
  if (!result) {
    if (result.status().code() == ErrorCode::Cancelled && rank == 0 && !mpi)
      std::fprintf(stderr, "loom: stopped; resume with: loom train %s --run-dir %s --resume\n",
                   args.model.c_str(), options.runDir.c_str());
    if (result.status().code() == ErrorCode::Cancelled && rank == 0 && mpi)
      std::fprintf(stderr,
                   "loom: stopped; resume with: loom launch --np %d -- %s [the same options] "
                   "--run-dir %s --resume\n",
                   mpi->size(), args.model.c_str(), options.runDir.c_str());
    return fail(result.status());
  }
  if (rank > 0) return kExitOk;  // rank 0 reports and writes the trained model
  if (result->stoppedEarly) std::printf("stopped early: validation loss did not improve\n");
  std::printf("trained in %s\n", formatDuration(result->trainSeconds).c_str());
  if (options.evaluateTest) printEval("test", result->test);
  if (args.profile) printProfile(*result);
  const std::string out = args.output.empty() ? options.runDir + "/trained.loom" : args.output;
  Status saved = saveModel(model, out);
  if (!saved) return reportError(saved);
  std::printf("trained model: %s\n", out.c_str());
  return kExitOk;
}

int runEval(const EvalArgs& args) {
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  std::int64_t batchSize = 256;
  if (args.batchSize) {
    const SettingSpec& spec = *findSetting("training.batch_size");
    auto value = parseSettingText(spec, *args.batchSize, "--batch-size " + *args.batchSize);
    if (!value) return reportError(value.status());
    if (Status st = checkSettingValue(spec, *value, "--batch-size"); !st) return reportError(st);
    batchSize = std::get<std::int64_t>(*value);
  }
  if (Status st = resolveSettings(model, args.settings, args.model); !st) return reportError(st);
  setComputeThreads(model.training.threads());
  if (Status st = useTrainedParameters(model, args.checkpoint, args.model,
                                       "evaluating freshly initialised weights");
      !st)
    return reportError(st);
  ProgressBar bar(stderr);
  auto m = evaluate(model, batchSize, [&](const TrainProgress& p) { bar.update(p); });
  bar.finishLine();
  if (!m) return reportError(m.status());
  printEval("test", *m);
  return kExitOk;
}

}  // namespace loom::cli
