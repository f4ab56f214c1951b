#include "widgets/modes/workers/workers_job.h"

#include "widgets/modes/workers/dist_launcher.h"

namespace loom::studio {

namespace {
constexpr qsizetype kTailBytes = 64 * 1024;
}

WorkersJob::WorkersJob(QObject* parent) : QObject(parent) {}

WorkersJob::~WorkersJob() {
  if (!m_process) return;
  m_process->disconnect(this);
  m_process->terminate();
  if (!m_process->waitForFinished(10000)) {
    m_process->kill();
    m_process->waitForFinished(2000);
  }
  delete m_process;
}

bool WorkersJob::start(const QString& program, const QStringList& arguments) {
  if (m_process) return false;
  m_process = new QProcess(this);
  m_arguments = arguments;
  m_partial[0].clear();
  m_partial[1].clear();
  m_tail.clear();
  m_stopRequested = false;
  m_process->setStandardInputFile(QProcess::nullDevice());
  connect(m_process, &QProcess::readyReadStandardOutput, this,
          [this] { read(QProcess::StandardOutput); });
  connect(m_process, &QProcess::readyReadStandardError, this,
          [this] { read(QProcess::StandardError); });
  connect(m_process, &QProcess::finished, this, &WorkersJob::onFinished);
  connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart) return;
    const QString why = m_process->errorString();
    m_process->deleteLater();
    m_process = nullptr;
    emit line(tr("cannot start loom: %1").arg(why), true);
    emit finished(127, tr("cannot start loom: %1").arg(why));
  });
  m_process->start(program, arguments);
  return true;
}

void WorkersJob::stop() {
  if (!m_process || m_process->state() == QProcess::NotRunning) return;
  m_stopRequested = true;
  m_process->terminate();  // SIGTERM
}

qint64 WorkersJob::processId() const {
  return m_process ? m_process->processId() : 0;
}

void WorkersJob::read(QProcess::ProcessChannel channel) {
  const bool error = channel == QProcess::StandardError;
  m_process->setReadChannel(channel);
  const QByteArray data = m_process->readAll();
  if (error) {
    m_tail += data;
    if (m_tail.size() > kTailBytes) m_tail.remove(0, m_tail.size() - kTailBytes);
  }
  QByteArray& partial = m_partial[error ? 1 : 0];
  partial += data;
  qsizetype from = 0;
  for (qsizetype i = 0; i < partial.size(); ++i) {
    if (partial[i] != '\n' && partial[i] != '\r') continue;
    if (i > from) emit line(QString::fromUtf8(partial.mid(from, i - from)), error);
    from = i + 1;
  }
  partial.remove(0, from);
}

void WorkersJob::onFinished(int code, QProcess::ExitStatus status) {
  read(QProcess::StandardOutput);
  read(QProcess::StandardError);
  for (int c = 0; c < 2; ++c)
    if (!m_partial[c].isEmpty()) emit line(QString::fromUtf8(m_partial[c]), c == 1);
  // On a crash QProcess gives the signal number as the code (Unix).
  const int exitCode = status == QProcess::CrashExit ? 128 + code : code;
  const QString reason =
      exitCode == 0 ? QString() : QString::fromStdString(jobFailureReason(m_tail.toStdString()));
  m_process->deleteLater();
  m_process = nullptr;
  emit finished(exitCode, reason);
}

}  // namespace loom::studio
