// Training events: a run's status and a thread-safe queue through which a Trainer reports
// to another thread (the studio's GUI, an MPI rank's health reporter) without callbacks
// into that thread. The engine links no Qt: a GUI drains the queue from a timer or a
// worker and re-emits what it needs as its own signals.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/train/train_metrics.h"

namespace loom {

/// Where a run stands. Ready → Running ⇄ Paused → one of the final four.
enum class TrainStatus {
  Ready,      ///< prepared, no step taken yet
  Running,    ///< between or inside steps
  Paused,     ///< the training thread waits between two steps until resume() or stop()
  Stopped,    ///< stop() was served: a checkpoint was written, resume continues the run
  Completed,  ///< every epoch done (or max steps, or early stopping), test split evaluated
  Diverged,   ///< NaN/Inf in the loss, an activation or a parameter; nothing was saved after it
  Failed,     ///< any other error (I/O, data); the last checkpoint is still valid
};

/// "ready", "running", "paused", "stopped", "completed", "diverged", "failed": the values
/// of run.json's "status" (docs/runs.md).
const char* trainStatusName(TrainStatus status);
/// Stopped, Completed, Diverged and Failed: the Trainer takes no more steps.
bool isFinal(TrainStatus status);

struct TrainEvent {
  enum class Kind {
    Progress,  ///< `progress`: after a training step or an evaluation batch (throttled, see queue)
    Epoch,     ///< `epoch`: an epoch ended (after its validation)
    Test,      ///< `test`: the test split was evaluated at the end of the run
    Message,   ///< `message`: a warning or note ("resuming from ...")
    Status,    ///< `status` changed; `message` holds the error or the checkpoint path, if any
  };
  Kind kind = Kind::Message;
  TrainProgress progress;
  EpochMetrics epoch;
  EvalMetrics test;
  std::string message;
  TrainStatus status = TrainStatus::Ready;
};

/// A multi-producer, multi-consumer FIFO of TrainEvents. Bounded for progress events: when
/// `capacity` events are queued, pushing drops the oldest queued Progress event, so a
/// consumer that stops draining costs bounded memory and never loses an Epoch, Test,
/// Message or Status event.
class TrainEventQueue {
 public:
  explicit TrainEventQueue(std::size_t capacity = 1024);

  void push(TrainEvent event);
  /// The oldest event, or nothing if the queue is empty. Never blocks.
  std::optional<TrainEvent> tryPop();
  /// The oldest event, waiting up to `timeout` for one to arrive.
  std::optional<TrainEvent> waitPop(std::chrono::milliseconds timeout);
  /// Every queued event, oldest first.
  std::vector<TrainEvent> drain();
  std::size_t size() const;
  /// Progress events dropped because the queue was full.
  std::size_t dropped() const;

 private:
  const std::size_t m_capacity;
  mutable std::mutex m_mutex;
  std::condition_variable m_arrived;
  std::deque<TrainEvent> m_events;
  std::size_t m_dropped = 0;
};

}  // namespace loom
