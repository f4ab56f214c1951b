// Pre-flight for `loom launch --hostfile`: before mpirun starts anything, every remote host
// is asked, through the remote shell Open MPI itself will use, to run this loom's --version.
// A host whose sshd is down, that refuses the key, that has no loom at this path, or has
// another version, is named with its hostfile line and the reason, and nothing starts —
// instead of mpirun's "ORTE was unable to reliably start one or more daemons" after a wait.
//
// The remote shell is Open MPI's: OMPI_MCA_plm_rsh_agent when set (its first alternative;
// "ssh -F cfg : rsh" gives {"ssh", "-F", "cfg"}), else "ssh". The remote command line is made
// of shell-quoted words (shellQuote), since ssh hands it to the remote user's shell; the host
// name was already checked to be a plain name (checkHostName).
#pragma once

#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/dist/launcher.h"

namespace loom {

struct HostCheckOptions {
  std::vector<std::string> remoteShell;  ///< argv prefix, e.g. {"ssh"}; see remoteShellOf()
  std::string loom;                      ///< the loom every rank runs (same path on each host)
  std::string expectedVersion;           ///< what `loom --version` prints here, e.g. "loom 0.1.0"
  int timeoutSeconds = 15;               ///< per host; a host that does not answer is down
};

/// The remote shell argv from OMPI_MCA_plm_rsh_agent's value (`agent`, may be empty).
std::vector<std::string> remoteShellOf(const std::string& agent);

/// True for names that are this machine (localhost, 127.0.0.1, ::1, this host's name):
/// mpirun starts those ranks without a remote shell, so they are not checked.
bool isThisMachine(const std::string& host);

/// Checks every remote host of `hosts` (read from `hostfile`) in turn. The first failure is
/// returned as IoError: "HOSTFILE:LINE: host H: <reason>", the reason saying what the
/// remote shell or loom printed.
Status checkHosts(const std::vector<HostfileEntry>& hosts, const std::string& hostfile,
                  const HostCheckOptions& options);

}  // namespace loom
