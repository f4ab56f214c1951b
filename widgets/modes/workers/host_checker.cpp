#include "widgets/modes/workers/host_checker.h"

#include <QFileInfo>
#include <QProcess>
#include <cstdlib>

#include "engine/core/version.h"
#include "widgets/shell/background.h"

namespace loom::studio {

namespace {

/// The remote shell Open MPI uses (host_check.h), with ssh's non-interactive options.
QStringList remoteShell(int timeoutSeconds) {
  const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
  QStringList argv;
  for (const std::string& w : remoteShellOf(agent ? agent : "")) argv << QString::fromStdString(w);
  if (QFileInfo(argv.front()).fileName() == QLatin1String("ssh"))
    argv << QStringLiteral("-o") << QStringLiteral("BatchMode=yes") << QStringLiteral("-o")
         << QStringLiteral("ConnectTimeout=%1").arg(timeoutSeconds);
  return argv;
}

/// checkHosts() says "<hostfile>:<line>: host H: <reason>"; the panel shows the reason.
QString reasonOf(const Status& st, const std::string& host) {
  const std::string& m = st.message();
  const std::string marker = "host " + host + ": ";
  const auto at = m.find(marker);
  return QString::fromStdString(at == std::string::npos ? m : m.substr(at + marker.size()));
}

QString checkDataset(const HostfileEntry& host, const HostCheckRequest& r) {
  if (r.datasetPath.isEmpty()) return {};
  if (isThisMachine(host.host))
    return QFileInfo(r.datasetPath).isReadable()
               ? QString()
               : QObject::tr("dataset %1 is missing here").arg(r.datasetPath);
  QStringList argv = remoteShell(r.timeoutSeconds);
  argv << QString::fromStdString(host.host)
       << QStringLiteral("test -r %1")
              .arg(QString::fromStdString(shellQuote(r.datasetPath.toStdString())));
  QProcess p;  // on a pool thread: waiting here blocks no event loop
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.setStandardInputFile(QProcess::nullDevice());
  p.start(argv.takeFirst(), argv);
  if (!p.waitForFinished(r.timeoutSeconds * 1000)) {
    p.kill();
    p.waitForFinished(1000);
    return QObject::tr("no answer to the dataset check within %1 s").arg(r.timeoutSeconds);
  }
  if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return {};
  const QString said = QString::fromUtf8(p.readAll()).trimmed();
  return QObject::tr("dataset %1 is missing there%2")
      .arg(r.datasetPath, said.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(said));
}

}  // namespace

HostChecker::HostChecker(QObject* parent) : QObject(parent) {}

QString HostChecker::checkOne(const HostfileEntry& host, const HostCheckRequest& r) {
  HostCheckOptions options;
  const char* agent = std::getenv("OMPI_MCA_plm_rsh_agent");
  options.remoteShell = remoteShellOf(agent ? agent : "");
  options.loom = r.loom.toStdString();
  options.expectedVersion = kLoomVersionLine;
  options.timeoutSeconds = r.timeoutSeconds;
  if (Status st = checkHosts({host}, "hosts", options); !st) return reasonOf(st, host.host);
  return checkDataset(host, r);
}

bool HostChecker::check(const std::vector<HostfileEntry>& hosts, const HostCheckRequest& r) {
  if (m_pending > 0) return false;
  m_pending = int(hosts.size());
  if (m_pending == 0) {
    emit finished();
    return true;
  }
  for (const HostfileEntry& h : hosts) {
    runInBackgroundThen(
        this, [h, r] { return checkOne(h, r); },
        [this, host = QString::fromStdString(h.host)](QString reason) {
          emit hostChecked(host, reason.isEmpty(), reason);
          if (--m_pending == 0) emit finished();
        });
  }
  return true;
}

}  // namespace loom::studio
