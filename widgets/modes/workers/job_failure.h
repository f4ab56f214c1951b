// Which rank and host a failed `loom launch` job names. engine/dist's jobFailureReason()
// picks the most telling line of the job's stderr; parseJobFailure() reads the rank and the
// host out of that line, for the Workers mode's failure banner and its per-rank panel.
#pragma once

#include <QString>

namespace loom::studio {

/// The rank and host a failure line names; rank -1 / host "" when the line does not say.
struct JobFailure {
  int rank = -1;
  QString host;
  QString line;  ///< the line itself (trimmed)
};

/// Reads the forms jobFailureReason() returns (docs/distributed.md, Faults):
///   "loom: error: rank R (HOST): ..."                         a rank's own error or a stall
///   "... noticed that process rank R with PID P on node HOST exited on signal ..."  mpirun
///   "srun: error: HOST: task R: ..."                          srun
///   "MPI_ABORT was invoked on rank R ..."                     (no host)
/// A stall report ("rank 0 (vm): stalled: rank 2 (vm2) stopped responding") names the stalled
/// rank, not the reporting one.
JobFailure parseJobFailure(const QString& line);

}  // namespace loom::studio
