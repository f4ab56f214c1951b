// The Trainer's control from any thread (trainer.h): pause, resume, stop, checkpoint requests,
// status and position; and the training thread's side of them (waiting while paused, stopping
// at a step boundary, status changes reported to run.json, callbacks and the event queue).
#include "engine/train/trainer_impl.h"

namespace loom {

using namespace trainer_detail;

Status Trainer::waitWhilePaused() {
  const std::atomic<bool>* cancel = m_impl->options.cancel;
  std::unique_lock lock(m_mutex);
  if (!m_pauseRequested || m_stopRequested) return Status::ok();
  lock.unlock();
  setStatus(TrainStatus::Paused, "");
  lock.lock();
  while (m_pauseRequested && !m_stopRequested) {
    if (!cancel) {
      m_wake.wait(lock);
      continue;
    }
    // A signal handler can only set the atomic, not notify: look at it a few times a second.
    m_wake.wait_for(lock, std::chrono::milliseconds(100));
    if (cancel->load()) m_stopRequested = true;
  }
  const bool stopping = m_stopRequested;
  lock.unlock();
  if (!stopping) setStatus(TrainStatus::Running, "");
  return Status::ok();
}

Status Trainer::stopAtBoundary() {
  Impl& r = *m_impl;
  if (Status st = r.saveCheckpoint(m_checkpointPath); !st) return fail(std::move(st));
  const std::string message = "training stopped at " + where(r.state) +
                              (r.writesRunDir ? "; checkpoint " + m_checkpointPath : std::string());
  setStatus(TrainStatus::Stopped, m_checkpointPath);
  return Status(ErrorCode::Cancelled, message);
}

Status Trainer::fail(Status error) {
  setStatus(error.code() == ErrorCode::NonFinite ? TrainStatus::Diverged : TrainStatus::Failed,
            error.message());
  return error;
}

void Trainer::setStatus(TrainStatus status, const std::string& detail) {
  {
    std::lock_guard lock(m_mutex);
    if (m_status == status) return;
    m_status = status;
  }
  Impl& r = *m_impl;
  r.log->setStatus(status, r.state.globalStep, detail);
  (void)r.log->save();  // best effort: the status is also returned to the caller
  if (r.eventLog && isFinal(status)) {
    r.eventLog->end(status);
    (void)r.eventLog->flush();  // logging never fails a run; the records are on disk now
  }
  if (r.options.onStatus) r.options.onStatus(status, detail);
  if (r.options.events)
    r.options.events->push({TrainEvent::Kind::Status, {}, {}, {}, detail, status});
}

void Trainer::publishPosition() {
  const Impl& r = *m_impl;
  std::lock_guard lock(m_mutex);
  m_position.epoch = r.state.epoch;
  m_position.epochs = r.model.training.epochs();
  m_position.stepInEpoch = r.state.stepInEpoch;
  m_position.stepsPerEpoch = r.stepsPerEpoch;
  m_position.globalStep = r.state.globalStep;
  m_position.totalSteps = r.runSteps;
}

// ---- any thread ----

void Trainer::pause() {
  std::lock_guard lock(m_mutex);
  m_pauseRequested = true;
}

void Trainer::resume() {
  {
    std::lock_guard lock(m_mutex);
    m_pauseRequested = false;
  }
  m_wake.notify_all();
}

void Trainer::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopRequested = true;
  }
  m_wake.notify_all();
}

void Trainer::requestCheckpoint() {
  m_checkpointRequested.store(true);
}

TrainStatus Trainer::status() const {
  std::lock_guard lock(m_mutex);
  return m_status;
}

TrainerPosition Trainer::position() const {
  std::lock_guard lock(m_mutex);
  return m_position;
}

}  // namespace loom
