#include "widgets/modes/workers/job_failure.h"

#include <QRegularExpression>

namespace loom::studio {

JobFailure parseJobFailure(const QString& text) {
  JobFailure f;
  f.line = text.trimmed();
  // Most specific first: a stall names the rank that stopped after the one that reports it.
  static const QRegularExpression stalled(
      QStringLiteral(R"(stalled: rank (\d+) \(([^)\s]+)\) stopped responding)"));
  static const QRegularExpression own(QStringLiteral(R"(loom: error: rank (\d+) \(([^)\s]+)\):)"));
  static const QRegularExpression mpirun(
      QStringLiteral(R"(noticed that process rank (\d+) with PID \d+ on node (\S+) exited)"));
  static const QRegularExpression srun(QStringLiteral(R"(srun: error: (\S+): task (\d+):)"));
  static const QRegularExpression abort(QStringLiteral(R"(MPI_ABORT was invoked on rank (\d+))"));
  for (const QRegularExpression* re : {&stalled, &own, &mpirun}) {
    if (const auto m = re->match(f.line); m.hasMatch()) {
      f.rank = m.captured(1).toInt();
      f.host = m.captured(2);
      return f;
    }
  }
  if (const auto m = srun.match(f.line); m.hasMatch()) {
    f.host = m.captured(1);
    f.rank = m.captured(2).toInt();
    return f;
  }
  if (const auto m = abort.match(f.line); m.hasMatch()) f.rank = m.captured(1).toInt();
  return f;
}

}  // namespace loom::studio
