// WorkersJob: one `loom launch` process of the Workers mode (a QProcess, never a shell).
//
// start() runs `<loom> launch <arguments>` and returns at once. Without --max-restarts the
// launcher becomes mpirun (execvp), so the process is mpirun itself; its stdout and stderr —
// mpirun's own lines and the ranks' (rank 0's progress; every rank's "loom: rank R (HOST): ..."
// messages) — arrive as line(), split at '\n' and '\r', as they come. The end is finished()
// exactly once per start(): the exit code as a shell reports it (128 + N for signal N) and the
// job's most telling failure line, engine/dist's jobFailureReason() over the kept stderr tail
// (empty when it exited 0 or nothing said why).
//
// stop() is the launcher's documented stop: SIGTERM, which mpirun hands to every rank; the
// ranks agree on a step, rank 0 writes the checkpoint, and the job exits 130. Nothing here
// waits for the process except the destructor (the window's close), which stops it and waits
// at most 10 s before killing it.
#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace loom::studio {

class WorkersJob : public QObject {
  Q_OBJECT

 public:
  explicit WorkersJob(QObject* parent = nullptr);
  ~WorkersJob() override;

  /// Starts `program` (the loom CLI) with `arguments` ("launch", ...). False while a job runs.
  bool start(const QString& program, const QStringList& arguments);
  /// SIGTERM to the job (no effect when none runs).
  void stop();
  bool isRunning() const { return m_process != nullptr; }
  bool stopRequested() const { return m_stopRequested; }
  /// The process id of the running job (mpirun's), 0 when none runs.
  qint64 processId() const;
  QStringList arguments() const { return m_arguments; }

 signals:
  /// One line of the job's output; `error`: it came on stderr.
  void line(const QString& text, bool error);
  /// The job ended (see the header comment).
  void finished(int exitCode, const QString& failureLine);

 private:
  void read(QProcess::ProcessChannel channel);
  void onFinished(int code, QProcess::ExitStatus status);

  QProcess* m_process = nullptr;
  QStringList m_arguments;
  QByteArray m_partial[2];  ///< an unfinished line per channel
  QByteArray m_tail;        ///< the last 64 KiB of stderr, for jobFailureReason()
  bool m_stopRequested = false;
};

}  // namespace loom::studio
