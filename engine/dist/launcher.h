// The launcher's pure part (docs/distributed.md): from `loom launch`'s request to the
// mpirun argument vector. Nothing here runs a process or a shell: the command is an argv
// array, handed to execvp as it is, so no argument is ever interpreted by a shell. What
// mpirun itself hands to a remote shell (ssh HOST orted ...) is the host names of the
// hostfile, so those are checked to be plain names; the model path and the training options
// travel through Open MPI's launch protocol as separate arguments and may contain anything
// except a leading '-' on the model path (it would read as an option).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace loom {

/// One line of an Open MPI hostfile: "HOST [slots=N] [max_slots=N]".
struct HostfileEntry {
  std::string host;
  int slots = 0;  ///< 0: not given (Open MPI counts the host's cores)
  int line = 0;   ///< 1-based line in the file
};

/// A host name mpirun may hand to ssh: letters, digits, '.', '-', '_' (and ':' for IPv6),
/// at most 253 characters, not starting with '-'. InvalidArgument names `where` and the
/// offending character otherwise.
Status checkHostName(const std::string& host, const std::string& where);

/// Parses an Open MPI hostfile ('#' comments, blank lines). Every host is checked with
/// checkHostName; unknown keys, bad slot counts and files without a host are refused with
/// "FILE:LINE: ..." messages. NotFound if it cannot be read.
Expected<std::vector<HostfileEntry>> readHostfile(const std::string& path);

struct LaunchRequest {
  int ranks = 0;                       ///< --np, >= 1
  std::string hostfile;                ///< empty: every rank on this machine
  std::string mpirun = "mpirun";       ///< program to run (execvp searches PATH)
  std::string loom;                    ///< the loom executable every rank runs
  std::vector<std::string> trainArgs;  ///< MODEL.loom and `loom train` options, as typed
  bool asRoot = false;                 ///< Open MPI refuses root without --allow-run-as-root
};

/// The mpirun argv: mpirun [--allow-run-as-root] -np N (--hostfile H | --oversubscribe)
/// --bind-to none LOOM train MODEL [options] --world-size N. Checks the request first:
/// ranks >= 1, a model path not starting with '-', no --world-size among the options (the
/// launcher adds it), a readable and valid hostfile whose path does not start with '-'.
Expected<std::vector<std::string>> mpirunArgv(const LaunchRequest& request);

/// `s` quoted for a POSIX shell ('...' with embedded quotes as '\''), for --dry-run output
/// that can be pasted; plain words stay as they are.
std::string shellQuote(const std::string& s);

}  // namespace loom
