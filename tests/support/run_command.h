// Runs a shell command from a test and captures what it printed, for tests that drive the
// real `loom` binary end to end.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace loom::test {

struct CommandResult {
  int rc = -1;      ///< exit code, or -1 if the command could not run or was killed
  std::string out;  ///< stdout, and stderr where the command redirects it (2>&1)
};

/// Runs `command` through /bin/sh and waits for it.
inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf{};
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;)
    result.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace loom::test
