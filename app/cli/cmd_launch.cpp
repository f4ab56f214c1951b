// `loom launch`: data-parallel training through Open MPI (docs/distributed.md). Builds the
// mpirun argv (engine/dist/launcher.h) and replaces this process with mpirun (execvp), so
// mpirun's own fault handling applies: when a rank dies it names the rank and host and ends
// the others. No shell is involved anywhere.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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
}  // namespace

int runLaunch(const LaunchArgs& args) {
  LaunchRequest request;
  request.ranks = args.ranks;
  request.hostfile = args.hostfile;
  request.loom = selfExecutable();
  request.trainArgs = args.trainArgs;
  request.asRoot = ::geteuid() == 0;
  auto argv = mpirunArgv(request);
  if (!argv) return reportError(argv.status());
  if (!std::filesystem::exists(args.trainArgs.front()))
    return reportError(notFound("model file \"" + args.trainArgs.front() + "\" does not exist"));
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
  std::vector<char*> raw;
  for (std::string& a : *argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  std::fflush(stdout);
  ::execvp(raw[0], raw.data());
  return reportError(Status(ErrorCode::NotFound, std::string("cannot run \"") + raw[0] +
                                                     "\": " + std::strerror(errno) +
                                                     " (install openmpi-bin)"));
}

}  // namespace loom::cli
