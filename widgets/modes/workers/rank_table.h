// RankTableModel: the Workers mode's per-rank panel, one row per rank of the running job.
//
// Columns: rank, host, status, the latest global step with health values, step time,
// samples/s, data wait, allreduce (all from the `workers/rank<r>/{step_ms, data_wait_ms,
// allreduce_ms}` scalars rank 0 writes, read by the dashboard's RunStore), and the rank's
// last log line (its full recent lines in the tooltip).
//
// Samples/s is the rank's batch over its step time (batch_size × 1000 / step_ms, batch_size
// from the run's run.json), since the trainer logs no per-rank throughput.
//
// Stragglers: in synchronous data parallelism every rank's step time is the same by
// construction (the fast ranks wait for the slow one inside the gradient allreduce), so the
// raw step time cannot tell the slow rank. What differs is the time a rank spends on its own
// work, its busy time = step_ms − allreduce_ms. A rank is a straggler when its busy time,
// averaged over its last kStragglerWindow logged steps, exceeds kStragglerFactor × the median
// busy time of all ranks (at least two ranks with values). Straggler rows are tinted amber,
// failed rows red.
#pragma once

#include <QAbstractTableModel>
#include <QStringList>
#include <QVector>

namespace loom::studio {

/// A rank is a straggler above this multiple of the median busy time.
inline constexpr double kStragglerFactor = 1.5;
/// Busy times are averaged over this many latest logged steps before the comparison.
inline constexpr int kStragglerWindow = 20;

class RankTableModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column {
    Rank,
    Host,
    Status,
    Step,
    StepMs,
    SamplesPerSec,
    DataWaitMs,
    AllreduceMs,
    LastLine
  };
  /// How a row's status reads and is coloured.
  enum class State { Starting, Running, Finished, Stopped, Failed, Ended };
  static constexpr int kColumns = LastLine + 1;
  /// Log lines kept per rank (the tooltip of its last-line cell).
  static constexpr int kLinesKept = 6;

  explicit RankTableModel(QObject* parent = nullptr);

  /// One row per rank, rank r on hosts[r], all Starting; values cleared.
  void reset(const QStringList& hosts);
  /// The per-rank batch (run.json batch_size), for samples/s; 0: unknown.
  void setBatchSize(double batch);
  /// The latest health values of `rank` at global `step` (NaN: not logged yet), and the
  /// recent busy times (step − allreduce) for straggler detection. A Starting rank becomes
  /// Running.
  void setHealth(int rank, double step, double stepMs, double dataWaitMs, double allreduceMs,
                 const QVector<double>& recentBusyMs);
  void setState(int rank, State state, const QString& detail = {});
  /// Every rank that is Starting or Running becomes `state` (the job ended).
  void endRunning(State state, const QString& detail = {});
  void appendLine(int rank, const QString& line);

  int ranks() const { return m_rows.size(); }
  State state(int rank) const { return m_rows[rank].state; }
  bool isStraggler(int rank) const { return m_rows[rank].straggler; }
  double stepMs(int rank) const { return m_rows[rank].stepMs; }
  double step(int rank) const { return m_rows[rank].step; }
  double samplesPerSecond(int rank) const;
  QString host(int rank) const { return m_rows[rank].host; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

 private:
  struct Row {
    QString host;
    State state = State::Starting;
    QString detail;
    double step = NAN, stepMs = NAN, dataWaitMs = NAN, allreduceMs = NAN;
    double busyMs = NAN;  ///< mean of the recent busy times
    bool straggler = false;
    QStringList lines;
  };
  QString statusText(const Row& row) const;
  QVariant display(int rank, int column) const;
  void updateStragglers();
  void rowChanged(int rank);

  QVector<Row> m_rows;
  double m_batch = 0;
};

}  // namespace loom::studio
