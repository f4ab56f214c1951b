// `loom launch`: data-parallel training through Open MPI (docs/distributed.md). Builds the
// mpirun argv (engine/dist/launcher.h). Without --max-restarts it replaces this process with
// mpirun (execvp), so mpirun's own fault handling applies: when a rank dies it names the rank
// and host and ends the others. With --max-restarts N it stays as mpirun's parent instead and
// starts the job again when it fails (torchrun's model): resuming from the run directory's last
// checkpoint, waiting longer before each restart, at most N times. No shell is involved
// anywhere.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/core/version.h"
#include "engine/dist/host_check.h"
#include "engine/dist/launcher.h"

namespace loom::cli {

namespace {
/// The running loom executable, so every rank runs this very build.
std::string selfExecutable() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("loom") : p.string();
}

std::vector<char*> rawArgv(std::vector<std::string>& argv) {
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  return raw;
}

// ---- the supervisor (--max-restarts) ----

std::atomic<pid_t> g_job{0};         ///< the running mpirun, 0 between attempts
std::atomic<bool> g_stopped{false};  ///< SIGINT/SIGTERM reached the launcher: no restart

/// A stop asked of the launcher goes to mpirun, which hands SIGTERM to every rank: they agree
/// on a step, rank 0 checkpoints, and the job ends with 130 (a Ctrl+C in a terminal reaches
/// mpirun directly as well).
extern "C" void onStopSignal(int) {
  g_stopped.store(true);
  if (const pid_t job = g_job.load(); job > 0) ::kill(job, SIGTERM);
}

/// Keeps the last `limit` bytes of what the job wrote to stderr, for jobFailureReason().
void keepTail(std::string& tail, const char* data, size_t n, size_t limit = 1 << 16) {
  tail.append(data, n);
  if (tail.size() > limit) tail.erase(0, tail.size() - limit);
}

/// Runs `argv` as a child process whose stderr passes through to ours as it comes and is
/// kept in `tail`. Returns its exit code as a shell reports it (128 + N for signal N), or -1
/// with errno when it cannot start.
int runJob(std::vector<std::string> argv, std::string& tail) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);  // dup2 clears close-on-exec on the copy
    auto raw = rawArgv(argv);
    ::execvp(raw[0], raw.data());
    std::fprintf(stderr, "loom: error: cannot run \"%s\": %s (install openmpi-bin)\n", raw[0],
                 std::strerror(errno));
    std::_Exit(127);
  }
  ::close(fds[1]);
  g_job.store(pid);
  if (g_stopped.load()) ::kill(pid, SIGTERM);  // a stop that came during fork()
  // Read until mpirun has exited and the pipe is drained; a process of the job that keeps
  // the pipe open cannot hold the launcher once mpirun is gone.
  int status = 0;
  bool exited = false;
  char buf[4096];
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, exited ? 0 : 200);
    if (ready > 0) {
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n > 0) {
        (void)!::write(STDERR_FILENO, buf, static_cast<size_t>(n));
        keepTail(tail, buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 && !exited) {  // EOF: mpirun closed stderr; wait for it
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        exited = true;
      }
      break;
    }
    if (exited) break;
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
  }
  ::close(fds[0]);
  g_job.store(0);
  if (!exited)
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/// "exit 137: killed by signal 9 (Killed)", "exit 6: training diverged", ...
std::string describeExit(int code) {
  std::string text = "exit " + std::to_string(code);
  if (code > 128 && code < 128 + 65 && code != kExitCancelled)
    return text + ": signal " + std::to_string(code - 128) + " (" + strsignal(code - 128) + ")";
  switch (code) {
    case kExitInternal:
      return text + ": a rank failed (internal error, stall or MPI error)";
    case kExitUsage:
      return text + ": bad command line";
    case kExitModel:
      return text + ": invalid model file";
    case kExitData:
      return text + ": missing or corrupt data or checkpoint";
    case kExitCheckpoint:
      return text + ": checkpoint of another model";
    case kExitDiverged:
      return text + ": training diverged";
    case kExitIo:
      return text + ": I/O error";
    case kExitMemory:
      return text + ": out of memory";
    case kExitCancelled:
      return text + ": stopped on request";
    default:
      return text;
  }
}

/// Failures a restart would repeat bit for bit (the same command line, model, checkpoint and
/// data give the same result), and a stop someone asked for, are not restarted.
bool restartable(int code) {
  return code != kExitUsage && code != kExitModel && code != kExitCheckpoint &&
         code != kExitDiverged && code != kExitCancelled;
}

void sleepUnlessStopped(double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!g_stopped.load() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

/// The job's argv: srun's under --slurm, else mpirun's.
Expected<std::vector<std::string>> jobArgv(const LaunchRequest& request, bool slurm) {
  return slurm ? srunArgv(request) : mpirunArgv(request);
}

int superviseJob(LaunchRequest request, bool slurm, const RestartPolicy& policy,
                 const std::string& runDir) {
  struct sigaction sa {};
  sa.sa_handler = onStopSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  const std::string checkpoint =
      (std::filesystem::path(runDir) / "checkpoints" / "last.ckpt").string();
  for (int restart = 0;; ++restart) {
    const bool resumes = restart > 0 && std::filesystem::exists(checkpoint);
    if (resumes) request.trainArgs = withResume(request.trainArgs);
    auto argv = jobArgv(request, slurm);
    if (!argv) return reportError(argv.status());
    std::string tail;
    const int code = runJob(*argv, tail);
    if (code < 0)
      return reportError(ioError("cannot start " + argv->front() + ": " + std::strerror(errno)));
    if (code == kExitOk) {
      if (restart > 0)
        std::fprintf(stderr, "loom launch: the job completed after %d restart(s)\n", restart);
      return kExitOk;
    }
    const std::string reason = jobFailureReason(tail);
    std::fprintf(stderr, "loom launch: attempt %d failed (%s)%s%s\n", restart + 1,
                 describeExit(code).c_str(), reason.empty() ? "" : ": ", reason.c_str());
    if (g_stopped.load() || code == kExitCancelled) {
      std::fprintf(stderr, "loom launch: stopped on request; not restarting\n");
      return code;
    }
    if (!restartable(code)) {
      std::fprintf(stderr, "loom launch: not restarting: a restart would fail the same way\n");
      return code;
    }
    if (restart >= policy.maxRestarts) {
      std::fprintf(stderr, "loom launch: giving up after %d restart(s) (--max-restarts %d)\n",
                   restart, policy.maxRestarts);
      return code;
    }
    const double delay = restartDelay(policy, restart + 1);
    const bool willResume = std::filesystem::exists(checkpoint);
    std::fprintf(stderr, "loom launch: restart %d of %d in %.1f s, %s%s\n", restart + 1,
                 policy.maxRestarts, delay, willResume ? "resuming from " : "from the start",
                 willResume ? checkpoint.c_str() : " (no checkpoint yet)");
    sleepUnlessStopped(delay);
    if (g_stopped.load()) {
      std::fprintf(stderr, "loom launch: stopped on request; not restarting\n");
      return kExitCancelled;
    }
  }
}

/// The run directory the job writes: --run-dir among the options, else the one `loom train`
/// picks for the model (defaultRunDir).
Expected<std::string> jobRunDir(const std::vector<std::string>& trainArgs) {
  if (std::string dir = runDirArgument(trainArgs); !dir.empty()) return dir;
  LOOM_ASSIGN_OR_RETURN(Model model, loadModel(trainArgs.front()));
  return defaultRunDir(model);
}
/// --sbatch-script FILE: the batch script of the srun command, for `sbatch FILE`; the job's
/// output goes to the run directory's slurm-<job id>.out.
int writeSbatchScript(const LaunchRequest& request, const LaunchArgs& args) {
  auto runDir = jobRunDir(args.trainArgs);
  if (!runDir) return reportError(runDir.status());
  std::string name = "loom-" + std::filesystem::path(*runDir).filename().string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  std::error_code ec;
  std::filesystem::create_directories(*runDir, ec);
  const std::string output = (std::filesystem::absolute(*runDir) / "slurm-%j.out").string();
  auto script = sbatchScript(request, name, output);
  if (!script) return reportError(script.status());
  std::FILE* f = std::fopen(args.sbatchScript.c_str(), "w");
  if (!f)
    return reportError(
        ioError("cannot write \"" + args.sbatchScript + "\": " + std::strerror(errno)));
  const bool written = std::fputs(script->c_str(), f) >= 0;
  if (std::fclose(f) != 0 || !written)
    return reportError(ioError("cannot write \"" + args.sbatchScript + "\""));
  ::chmod(args.sbatchScript.c_str(), 0755);
  std::printf("wrote %s; submit it with: sbatch %s\n", args.sbatchScript.c_str(),
              shellQuote(args.sbatchScript).c_str());
  return kExitOk;
}

}  // namespace

int runLaunch(const LaunchArgs& args) {
  LaunchRequest request;
  request.ranks = args.ranks;
  request.hostfile = args.hostfile;
  request.loom = selfExecutable();
  request.trainArgs = args.trainArgs;
  request.asRoot = ::geteuid() == 0;
  const bool slurm = args.slurm || !args.sbatchScript.empty();
  auto argv = jobArgv(request, slurm);
  if (!argv) return reportError(argv.status());
  if (!std::filesystem::exists(args.trainArgs.front()))
    return reportError(notFound("model file \"" + args.trainArgs.front() + "\" does not exist"));
  if (args.maxRestarts < 0)
    return reportError(invalidArgument("--max-restarts must be 0 or more, got " +
                                       std::to_string(args.maxRestarts)));
  if (!(args.restartBackoff >= 0 && args.restartBackoff <= 3600))
    return reportError(invalidArgument("--restart-backoff must be from 0 to 3600 seconds, got " +
                                       std::to_string(args.restartBackoff)));
  if (!args.sbatchScript.empty()) return writeSbatchScript(request, args);
  if (args.dryRun) {
    for (const std::string& a : *argv) std::printf("%s\n", shellQuote(a).c_str());
    return kExitOk;
  }
  if (!args.hostfile.empty()) {  // every remote host answers, with this loom, before any start
    auto hosts = readHostfile(args.hostfile);
    if (!hosts) return reportError(hosts.status());
    HostCheckOptions check;
    const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
    check.remoteShell = remoteShellOf(agent ? agent : "");
    check.loom = request.loom;
    check.expectedVersion = kLoomVersionLine;
    if (Status st = checkHosts(*hosts, args.hostfile, check); !st) return reportError(st);
  }
  if (args.maxRestarts > 0) {
    auto runDir = jobRunDir(args.trainArgs);
    if (!runDir) return reportError(runDir.status());
    return superviseJob(request, slurm, RestartPolicy{args.maxRestarts, args.restartBackoff},
                        *runDir);
  }
  auto raw = rawArgv(*argv);
  std::fflush(stdout);
  ::execvp(raw[0], raw.data());
  return reportError(Status(ErrorCode::NotFound,
                            std::string("cannot run \"") + raw[0] + "\": " + std::strerror(errno) +
                                (slurm ? " (install slurm-client)" : " (install openmpi-bin)")));
}

}  // namespace loom::cli
