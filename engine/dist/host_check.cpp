#include "engine/dist/host_check.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

namespace loom {
namespace {

struct Finished {
  int exitCode = -1;  ///< -1: did not run, or killed (timeout)
  bool timedOut = false;
  std::string output;  ///< stdout and stderr together
};

/// Runs argv (no shell) with stdin closed, collecting its output, for at most `seconds`.
Finished runWithTimeout(const std::vector<std::string>& argv, int seconds) {
  Finished f;
  int fds[2];
  if (::pipe(fds) != 0) {
    f.output = std::string("pipe: ") + std::strerror(errno);
    return f;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    f.output = std::string("fork: ") + std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return f;
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so a timeout ends ssh and whatever it started
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> raw;
    for (const auto& a : argv) raw.push_back(const_cast<char*>(a.c_str()));
    raw.push_back(nullptr);
    ::execvp(raw[0], raw.data());
    const std::string why = std::string("cannot run \"") + argv[0] + "\": " + std::strerror(errno);
    (void)!::write(1, why.data(), why.size());
    ::_exit(127);
  }
  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      f.timedOut = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed its end (it is exiting)
    if (f.output.size() < 64 * 1024) f.output.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!f.timedOut && WIFEXITED(status)) f.exitCode = WEXITSTATUS(status);
  return f;
}

std::string lastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

bool isSsh(const std::string& program) {
  const auto slash = program.rfind('/');
  return (slash == std::string::npos ? program : program.substr(slash + 1)) == "ssh";
}

}  // namespace

std::vector<std::string> remoteShellOf(const std::string& agent) {
  std::vector<std::string> words;
  std::istringstream in(agent.substr(0, agent.find(':')));
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) words.push_back("ssh");
  return words;
}

bool isThisMachine(const std::string& host) {
  if (host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return false;
  const std::string self(name);
  return host == self || host == self.substr(0, self.find('.'));
}

Status checkHosts(const std::vector<HostfileEntry>& hosts, const std::string& hostfile,
                  const HostCheckOptions& o) {
  for (const HostfileEntry& h : hosts) {
    if (isThisMachine(h.host)) continue;
    std::vector<std::string> argv = o.remoteShell;
    if (isSsh(argv.front()))  // never ask for a password or a host-key confirmation
      argv.insert(argv.end(), {"-o", "BatchMode=yes", "-o",
                               "ConnectTimeout=" + std::to_string(o.timeoutSeconds)});
    argv.insert(argv.end(), {h.host, shellQuote(o.loom), "--version"});
    const Finished f = runWithTimeout(argv, o.timeoutSeconds);
    const std::string where = hostfile + ":" + std::to_string(h.line) + ": host " + h.host + ": ";
    if (f.timedOut)
      return Status(ErrorCode::IoError, where + "no answer within " +
                                            std::to_string(o.timeoutSeconds) + " s (" +
                                            argv.front() + ")");
    const std::string said = lastLine(f.output);
    if (f.exitCode == 255 && isSsh(argv.front()))
      return Status(ErrorCode::IoError, where + "ssh cannot reach it: " + said);
    if (f.exitCode == 127)
      return Status(ErrorCode::IoError,
                    where + "loom is not installed at " + o.loom + " there (" + said + ")");
    if (f.exitCode != 0)
      return Status(ErrorCode::IoError,
                    where + argv.front() + " exited " + std::to_string(f.exitCode) + ": " + said);
    if (said != o.expectedVersion)
      return Status(ErrorCode::IoError,
                    where + "runs \"" + said + "\", this machine \"" + o.expectedVersion + "\"");
  }
  return Status::ok();
}

}  // namespace loom
