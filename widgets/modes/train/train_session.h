// TrainSession: the studio's one training run — a loom::Trainer (engine/train/trainer.h)
// driven on a worker thread, with its progress re-emitted as Qt signals on the GUI thread.
//
// The GUI thread only ever calls the Trainer's thread-safe controls (pause, resume, stop);
// Trainer::create (data loading, plan compilation), every step and finish() run on the
// session's worker thread, so no call here blocks the event loop except the destructor and
// stopAndWait(), which wait for the worker to end (the window's close, after asking).
//
// Signals reach the GUI by queued connection from the engine's callbacks (no polling
// timer): progress() at most every `progressIntervalMs` (and the last step of each phase),
// epochEnded(), message(), statusChanged() for every TrainStatus change and finished() once
// when the worker has ended (with the final status and the engine's message: the checkpoint
// path for Stopped, the error for Diverged/Failed).
//
// Node statistics (the graph editor's badges): every `statsIntervalMs` one step is tapped
// (Trainer::setTap) and nodeStats() carries each node's activation mean/std, the L2 norm of
// the gradient at its output, the fraction of exact zeros (dead ReLUs) and NaN/Inf counts,
// computed on the training thread (node_stats.h). The other steps run untapped.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/graph/model.h"
#include "engine/train/train_events.h"
#include "engine/train/train_metrics.h"
#include "widgets/modes/train/node_stats.h"

namespace loom {
class Trainer;
}

namespace loom::studio {

/// How to start a run (the TrainOptions the studio exposes).
struct TrainLaunch {
  QString runDir;             ///< created if missing
  bool resume = false;        ///< continue runDir's checkpoints/last.ckpt
  std::int64_t maxSteps = 0;  ///< 0: no limit
  std::int64_t checkpointEverySteps = 0;
  bool evaluateTest = true;
};

class TrainSession : public QObject {
  Q_OBJECT

 public:
  explicit TrainSession(QObject* parent = nullptr);
  /// Stops a run in progress (checkpoint written) and waits for the worker.
  ~TrainSession() override;

  /// Starts training a copy of `model` on the worker thread. False (with `error`) when a run
  /// is still active.
  bool start(const Model& model, const TrainLaunch& launch, QString* error = nullptr);
  void pause();
  void resume();
  /// Ends the run at the next step boundary with a checkpoint (status Stopped).
  void stop();
  /// stop() and wait until the worker has ended (the checkpoint is on disk when it returns).
  void stopAndWait();

  /// True from start() until finished() has been emitted.
  bool isActive() const { return m_active; }
  TrainStatus status() const { return m_status; }
  const QString& runDir() const { return m_launch.runDir; }
  /// Global step of the latest progress event (0 before the first).
  std::int64_t globalStep() const { return m_globalStep; }
  /// Minimum interval between two progress() signals and between two tapped steps.
  void setProgressIntervalMs(int ms) { m_progressIntervalMs = ms; }
  void setStatsIntervalMs(int ms) { m_statsIntervalMs = ms; }

 signals:
  void started(const QString& runDir);
  void progress(const loom::TrainProgress& progress);
  void epochEnded(const loom::EpochMetrics& metrics);
  void message(const QString& text);
  void statusChanged(loom::TrainStatus status, const QString& detail);
  /// Per-node statistics of one tapped step (keyed by node name).
  void nodeStats(std::int64_t globalStep, const loom::studio::NodeStatsMap& stats);
  /// The worker ended. `status` is final (or Failed when create() failed); `detail` is the
  /// engine's message (checkpoint path, error).
  void finished(loom::TrainStatus status, const QString& detail);

 private:
  void work(Model model, TrainLaunch launch);
  void join();
  /// Runs `f` on the GUI thread (queued); dropped if the session is gone.
  template <class F>
  void post(F&& f);

  TrainLaunch m_launch;
  std::thread m_worker;
  bool m_active = false;
  TrainStatus m_status = TrainStatus::Ready;
  std::int64_t m_globalStep = 0;
  int m_progressIntervalMs = 100;
  int m_statsIntervalMs = 250;

  std::mutex m_mutex;  // guards m_trainer and the requests made before it exists
  Trainer* m_trainer = nullptr;
  bool m_pauseRequested = false;
  bool m_stopRequested = false;
};

}  // namespace loom::studio

Q_DECLARE_METATYPE(loom::TrainProgress)
Q_DECLARE_METATYPE(loom::EpochMetrics)
Q_DECLARE_METATYPE(loom::TrainStatus)
