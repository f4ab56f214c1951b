// HostChecker: the Workers mode's connectivity check, per host, off the GUI thread.
//
// For each host, on backgroundPool() (widgets/shell/background.h):
//  1. engine/dist's checkHosts() for that one host — the very check `loom launch --hostfile`
//     runs before mpirun: through Open MPI's remote shell (OMPI_MCA_plm_rsh_agent, else ssh;
//     BatchMode, a connect timeout) it runs `<loom> --version` there: ssh reachable, loom
//     installed at the same path, the same version;
//  2. then the dataset: `test -r <dataset path>` through the same remote shell (this machine:
//     a local check), since every rank reads its shard from that path.
// Results come back on the GUI thread as hostChecked(); finished() follows the last one.
// Hosts that are this machine (isThisMachine) skip the remote part, as `loom launch` does.
#pragma once

#include <QObject>
#include <QString>
#include <vector>

#include "widgets/modes/workers/dist_launcher.h"

namespace loom::studio {

struct HostCheckRequest {
  QString loom;             ///< the loom every rank runs (the same absolute path on each host)
  QString datasetPath;      ///< the model's dataset directory or file; empty: not checked
  int timeoutSeconds = 10;  ///< per host and step
};

class HostChecker : public QObject {
  Q_OBJECT

 public:
  explicit HostChecker(QObject* parent = nullptr);

  /// Checks every host of `hosts` (in parallel, as the pool allows). Returns false, doing
  /// nothing, while a check runs.
  bool check(const std::vector<HostfileEntry>& hosts, const HostCheckRequest& request);
  bool isRunning() const { return m_pending > 0; }

  /// The check of one host, as check() runs it on a worker thread (blocking; tests).
  /// Returns the empty string when the host is ready, else the reason ("ssh cannot reach
  /// it: ...", "loom is not installed at ...", "runs \"loom 0.0.9\", ...", "dataset ... is
  /// missing there").
  static QString checkOne(const HostfileEntry& host, const HostCheckRequest& request);

 signals:
  void hostChecked(const QString& host, bool ok, const QString& reason);
  void finished();

 private:
  int m_pending = 0;
};

}  // namespace loom::studio
