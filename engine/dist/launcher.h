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
  std::string srun = "srun";           ///< program to run under Slurm (srunArgv)
};

/// The mpirun argv: mpirun [--allow-run-as-root] -np N (--hostfile H | --oversubscribe)
/// --bind-to none LOOM train MODEL [options] --world-size N. Checks the request first:
/// ranks >= 1, a model path not starting with '-', no --world-size among the options (the
/// launcher adds it), a readable and valid hostfile whose path does not start with '-'.
Expected<std::vector<std::string>> mpirunArgv(const LaunchRequest& request);

/// Automatic restart (`loom launch --max-restarts N [--restart-backoff S]`, torchrun's
/// model; docs/distributed.md): when the job fails, the launcher starts it again, resuming
/// from the run directory's last checkpoint, at most maxRestarts times, waiting longer
/// before each.
struct RestartPolicy {
  int maxRestarts = 0;          ///< 0: no restart (the launcher becomes mpirun)
  double backoffSeconds = 1.0;  ///< the wait before the first restart
};

/// Seconds to wait before restart `restart` (1-based): backoffSeconds × 2^(restart − 1),
/// at most 300 s.
double restartDelay(const RestartPolicy& policy, int restart);

/// The value of `--run-dir` among `loom train` options ("--run-dir X" or "--run-dir=X"; the
/// last one counts, as for the command line parser); empty when none is given.
std::string runDirArgument(const std::vector<std::string>& trainArgs);

/// `trainArgs` with "--resume" appended, unless it is there already.
std::vector<std::string> withResume(std::vector<std::string> trainArgs);

/// The line of a failed job's output (mpirun's or srun's and the ranks' stderr) that says
/// best why it failed: a rank's own "loom: error: rank R (HOST): ..." first, then mpirun's
/// "... noticed that process rank R with PID P on node HOST exited on signal ...", then
/// srun's "srun: error: HOST: task R: ...", then "MPI_ABORT was invoked on rank R ...".
/// Trimmed; empty when no line says.
std::string jobFailureReason(const std::string& output);

/// Slurm (`loom launch --slurm`): srun --mpi=pmix --ntasks=N --kill-on-bad-exit=1
/// LOOM train MODEL [options] --world-size N. `--mpi=pmix`: Debian's Open MPI 4.1 talks to
/// Slurm only through PMIx (it has no PMI-1/PMI-2 support; srun's default `--mpi=none` makes
/// every task fail in MPI_Init, and the worker refuses it first, see cmd_train.cpp);
/// `--kill-on-bad-exit=1`: a task that fails ends the step, as mpirun does. Inside an
/// allocation (salloc, sbatch) srun uses its nodes; outside one it asks for one. The same
/// checks as mpirunArgv; a hostfile is refused (Slurm's allocation names the hosts).
Expected<std::vector<std::string>> srunArgv(const LaunchRequest& request);

/// A batch script for `sbatch FILE` that runs srunArgv(request): "#!/bin/bash", #SBATCH
/// lines (--job-name=`jobName`, --ntasks=N, --output=`output` when not empty), then
/// `exec` of the srun command with every argument shellQuote()d, so the script runs exactly
/// the argv, whatever characters the paths hold. `jobName` and `output` are checked: no
/// newline, and a job name of plain characters.
Expected<std::string> sbatchScript(const LaunchRequest& request, const std::string& jobName,
                                   const std::string& output);

/// `s` quoted for a POSIX shell ('...' with embedded quotes as '\''), for --dry-run output
/// that can be pasted; plain words stay as they are.
std::string shellQuote(const std::string& s);

}  // namespace loom
