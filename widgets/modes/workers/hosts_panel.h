// HostsPanel: the Workers mode's host list — host, slots (editable), and the result of the
// last connectivity check with its reason.
//
// Hosts come from a name typed in (checked with the engine's checkHostName), an Open MPI
// hostfile (the engine's readHostfile: the studio accepts exactly what `loom launch` does),
// the Host names of an ssh config, or the nodes of a Slurm partition (sinfo, run as a
// QProcess without waiting on the GUI thread). A host already listed is not added twice.
// Refusals (a bad name, a bad hostfile line, sinfo failing) go to problem().
#pragma once

#include <QWidget>
#include <vector>

#include "widgets/modes/workers/dist_launcher.h"

class QLabel;
class QLineEdit;
class QProcess;
class QPushButton;
class QTableWidget;

namespace loom::studio {

class HostsPanel : public QWidget {
  Q_OBJECT

 public:
  enum Column { HostColumn, SlotsColumn, CheckColumn };

  explicit HostsPanel(QWidget* parent = nullptr);

  /// Adds `host` with `ranks` slots (>= 1). False, with problem(), when the name is refused.
  bool addHost(const QString& host, int ranks = 1);
  /// Adds every host of an Open MPI hostfile (slots as given, else 1).
  bool addHostfile(const QString& path);
  /// Adds the Host names of an ssh config file; returns how many were added.
  int addSshConfig(const QString& path);
  /// Starts `sinfo` for `partition`; its nodes are added when it answers (slurmFinished()).
  void addSlurmPartition(const QString& partition);
  void removeSelected();
  void clear();

  /// The hosts as hostfile entries, in list order (line = row + 1).
  std::vector<HostfileEntry> hosts() const;
  /// Slots of the listed hosts together (the default rank count).
  int totalSlots() const;
  /// The check column of `host`: "checking…", "ready" or the reason (red).
  void setCheckResult(const QString& host, const QString& text, bool ok, bool pending = false);
  void setEditable(bool editable);
  /// The note under the list: what every host needs (the remote shell, this loom's version
  /// and path, the dataset path).
  void setRequirements(const QString& remoteShell, const QString& loom, const QString& version,
                       const QString& dataset);

  QTableWidget* table() const { return m_table; }
  QLineEdit* hostEdit() const { return m_edit; }
  QPushButton* checkButton() const { return m_check; }
  QString problem() const;

 signals:
  void hostsChanged();
  void checkRequested();
  void slurmFinished(bool ok, const QString& message);

 private:
  void setProblem(const QString& text);
  int rowOf(const QString& host) const;
  void chooseHostfile();
  void chooseSshConfig();
  void askPartition();

  QTableWidget* m_table;
  QLineEdit* m_edit;
  QPushButton* m_add;
  QPushButton* m_remove;
  QPushButton* m_check;
  QList<QPushButton*> m_sources;
  QLabel* m_problem;
  QLabel* m_requirements;
  QProcess* m_sinfo = nullptr;
};

}  // namespace loom::studio
