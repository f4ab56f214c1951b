#include "engine/train/train_events.h"

#include <algorithm>

namespace loom {

const char* trainStatusName(TrainStatus status) {
  switch (status) {
    case TrainStatus::Ready:
      return "ready";
    case TrainStatus::Running:
      return "running";
    case TrainStatus::Paused:
      return "paused";
    case TrainStatus::Stopped:
      return "stopped";
    case TrainStatus::Completed:
      return "completed";
    case TrainStatus::Diverged:
      return "diverged";
    case TrainStatus::Failed:
      return "failed";
  }
  return "unknown";
}

bool isFinal(TrainStatus status) {
  return status == TrainStatus::Stopped || status == TrainStatus::Completed ||
         status == TrainStatus::Diverged || status == TrainStatus::Failed;
}

TrainEventQueue::TrainEventQueue(std::size_t capacity)
    : m_capacity(std::max<std::size_t>(1, capacity)) {}

void TrainEventQueue::push(TrainEvent event) {
  {
    std::lock_guard lock(m_mutex);
    if (m_events.size() >= m_capacity) {
      auto oldest = std::find_if(m_events.begin(), m_events.end(), [](const TrainEvent& e) {
        return e.kind == TrainEvent::Kind::Progress;
      });
      if (oldest != m_events.end()) {
        m_events.erase(oldest);
        ++m_dropped;
      } else if (event.kind == TrainEvent::Kind::Progress) {
        ++m_dropped;  // full of events that must not be lost: drop the new progress instead
        return;
      }
    }
    m_events.push_back(std::move(event));
  }
  m_arrived.notify_one();
}

std::optional<TrainEvent> TrainEventQueue::tryPop() {
  std::lock_guard lock(m_mutex);
  if (m_events.empty()) return std::nullopt;
  TrainEvent e = std::move(m_events.front());
  m_events.pop_front();
  return e;
}

std::optional<TrainEvent> TrainEventQueue::waitPop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  if (!m_arrived.wait_for(lock, timeout, [&] { return !m_events.empty(); })) return std::nullopt;
  TrainEvent e = std::move(m_events.front());
  m_events.pop_front();
  return e;
}

std::vector<TrainEvent> TrainEventQueue::drain() {
  std::lock_guard lock(m_mutex);
  std::vector<TrainEvent> out(std::make_move_iterator(m_events.begin()),
                              std::make_move_iterator(m_events.end()));
  m_events.clear();
  return out;
}

std::size_t TrainEventQueue::size() const {
  std::lock_guard lock(m_mutex);
  return m_events.size();
}

std::size_t TrainEventQueue::dropped() const {
  std::lock_guard lock(m_mutex);
  return m_dropped;
}

}  // namespace loom
