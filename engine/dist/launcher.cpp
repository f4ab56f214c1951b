#include "engine/dist/launcher.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace loom {

namespace {
bool hostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == ':';
}

std::string printable(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) && c != ' ') return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned char>(c));
  return c == ' ' ? "a space" : buf;
}

Expected<int> parseSlots(const std::string& value, const std::string& where) {
  if (value.empty() || value.size() > 6 ||
      value.find_first_not_of("0123456789") != std::string::npos || std::stoi(value) < 1)
    return invalidArgument(where + ": slots must be a whole number from 1 to 999999, got \"" +
                           value + "\"");
  return std::stoi(value);
}
}  // namespace

Status checkHostName(const std::string& host, const std::string& where) {
  if (host.empty()) return invalidArgument(where + ": empty host name");
  if (host.size() > 253)
    return invalidArgument(where + ": host name is " + std::to_string(host.size()) +
                           " characters long (at most 253)");
  if (host[0] == '-')
    return invalidArgument(where + ": host name \"" + host +
                           "\" starts with '-' (it would be read as an option)");
  for (char c : host)
    if (!hostChar(c))
      return invalidArgument(where + ": host name \"" + host + "\" contains " + printable(c) +
                             "; only letters, digits, '.', '-', '_' and ':' are allowed");
  return Status::ok();
}

Expected<std::vector<HostfileEntry>> readHostfile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return notFound("cannot read hostfile \"" + path + "\"");
  std::vector<HostfileEntry> hosts;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (const auto hash = text.find('#'); hash != std::string::npos) text.resize(hash);
    std::istringstream words(text);
    std::string host;
    if (!(words >> host)) continue;
    const std::string where = path + ":" + std::to_string(line);
    LOOM_RETURN_IF_ERROR(checkHostName(host, where));
    HostfileEntry e{host, 0, line};
    for (std::string word; words >> word;) {
      const auto eq = word.find('=');
      const std::string key = word.substr(0, eq);
      if (eq == std::string::npos || (key != "slots" && key != "max_slots" && key != "max-slots"))
        return invalidArgument(where + ": unknown entry \"" + word + "\" after host \"" + host +
                               "\" (expected slots=N or max_slots=N)");
      LOOM_ASSIGN_OR_RETURN(int n, parseSlots(word.substr(eq + 1), where));
      if (key == "slots") e.slots = n;
    }
    hosts.push_back(e);
  }
  if (hosts.empty()) return invalidArgument("hostfile \"" + path + "\" names no host");
  return hosts;
}

namespace {
/// What every launch command needs: ranks, a model path first, no --world-size.
Status checkTrainRequest(const LaunchRequest& r) {
  if (r.ranks < 1)
    return invalidArgument("--np must be at least 1, got " + std::to_string(r.ranks));
  if (r.trainArgs.empty())
    return invalidArgument("loom launch needs a model: loom launch --np N -- MODEL.loom [options]");
  const std::string& model = r.trainArgs.front();
  if (model.empty() || model[0] == '-')
    return invalidArgument("the model path \"" + model +
                           "\" must come first after -- and must not start with '-'");
  for (const std::string& a : r.trainArgs)
    if (a == "--world-size" || a.rfind("--world-size=", 0) == 0)
      return invalidArgument("--world-size is set by loom launch (from --np); remove \"" + a +
                             "\"");
  return Status::ok();
}

/// LOOM train MODEL [options] --world-size N: what every rank runs.
void appendWorker(std::vector<std::string>& argv, const LaunchRequest& r) {
  argv.insert(argv.end(), {r.loom, "train"});
  argv.insert(argv.end(), r.trainArgs.begin(), r.trainArgs.end());
  argv.insert(argv.end(), {"--world-size", std::to_string(r.ranks)});
}
}  // namespace

Expected<std::vector<std::string>> srunArgv(const LaunchRequest& r) {
  LOOM_RETURN_IF_ERROR(checkTrainRequest(r));
  if (!r.hostfile.empty())
    return invalidArgument(
        "--hostfile does not go with --slurm: under Slurm the allocation "
        "names the hosts");
  std::vector<std::string> argv = {r.srun, "--mpi=pmix", "--ntasks=" + std::to_string(r.ranks),
                                   "--kill-on-bad-exit=1"};
  appendWorker(argv, r);
  return argv;
}

Expected<std::string> sbatchScript(const LaunchRequest& r, const std::string& jobName,
                                   const std::string& output) {
  LOOM_ASSIGN_OR_RETURN(auto argv, srunArgv(r));
  if (jobName.empty() ||
      jobName.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                "OPQRSTUVWXYZ0123456789-_.") != std::string::npos)
    return invalidArgument("the Slurm job name \"" + jobName +
                           "\" may hold only letters, digits, '-', '_' and '.'");
  if (output.find_first_of("\n\r") != std::string::npos)
    return invalidArgument("the Slurm output path must not contain a line break");
  std::string script =
      "#!/bin/bash\n# Written by loom launch --sbatch-script (docs/distributed.md).\n";
  script += "#SBATCH --job-name=" + jobName + "\n";
  script += "#SBATCH --ntasks=" + std::to_string(r.ranks) + "\n";
  // sbatch reads #SBATCH lines without a shell: a path with spaces or shell characters would
  // be cut there, so such a path is given to srun's --output in the quoted command instead.
  const bool plainOutput = output.find_first_of(" \t\"'\\;$`&|<>()*?[]{}#~!") == std::string::npos;
  if (!output.empty() && plainOutput) script += "#SBATCH --output=" + output + "\n";
  script += "set -euo pipefail\nexec";
  for (const std::string& a : argv) script += " " + shellQuote(a);
  return script + "\n";
}

Expected<std::vector<std::string>> mpirunArgv(const LaunchRequest& r) {
  LOOM_RETURN_IF_ERROR(checkTrainRequest(r));
  std::vector<std::string> argv = {r.mpirun};
  if (r.asRoot) argv.push_back("--allow-run-as-root");
  argv.insert(argv.end(), {"-np", std::to_string(r.ranks)});
  if (!r.hostfile.empty()) {
    if (r.hostfile[0] == '-')
      return invalidArgument("the hostfile path \"" + r.hostfile + "\" must not start with '-'");
    LOOM_RETURN_IF_ERROR(readHostfile(r.hostfile).status());
    argv.insert(argv.end(), {"--hostfile", r.hostfile});
  } else {
    // One machine: as many ranks as asked, even beyond its cores (each rank's OpenMP team
    // is its training.threads).
    argv.push_back("--oversubscribe");
  }
  // Open MPI binds each rank to one core by default (np <= 2): that would squeeze a rank's
  // OpenMP team onto a single core.
  argv.insert(argv.end(), {"--bind-to", "none"});
  appendWorker(argv, r);
  return argv;
}

double restartDelay(const RestartPolicy& policy, int restart) {
  double delay = policy.backoffSeconds;
  for (int i = 1; i < restart && delay < 300; ++i) delay *= 2;
  return std::min(delay, 300.0);
}

std::string runDirArgument(const std::vector<std::string>& trainArgs) {
  std::string dir;
  for (size_t i = 0; i < trainArgs.size(); ++i) {
    if (trainArgs[i] == "--run-dir" && i + 1 < trainArgs.size())
      dir = trainArgs[++i];
    else if (trainArgs[i].rfind("--run-dir=", 0) == 0)
      dir = trainArgs[i].substr(10);
  }
  return dir;
}

std::vector<std::string> withResume(std::vector<std::string> trainArgs) {
  if (std::find(trainArgs.begin(), trainArgs.end(), "--resume") == trainArgs.end())
    trainArgs.push_back("--resume");
  return trainArgs;
}

std::string jobFailureReason(const std::string& output) {
  // Best first: the rank's own words, then what mpirun saw.
  const char* markers[] = {"loom: error: rank ", "noticed that process rank ",
                           "srun: error: ", "MPI_ABORT was invoked on rank "};
  for (const char* marker : markers) {
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      const auto at = line.find(marker);
      if (at == std::string::npos) continue;
      // A progress bar redraws with '\r': keep what follows the last redraw before the marker.
      const auto cr = line.rfind('\r', at);
      line = line.substr(cr == std::string::npos ? 0 : cr + 1);
      const auto first = line.find_first_not_of(" \t");
      const auto last = line.find_last_not_of(" \t\r");
      return line.substr(first, last - first + 1);
    }
  }
  return {};
}

std::string shellQuote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                       "OPQRSTUVWXYZ0123456789-_./=:,+@%") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace loom
