#include "engine/dist/mpi/stall_watch.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>

namespace loom {

namespace {
using Clock = std::chrono::steady_clock;
constexpr int kTag = 7;  ///< the announcement messages' tag on the control communicator
/// How often a waiting rank looks for announcements (MPI_Iprobe) while it waits.
constexpr auto kProbeInterval = std::chrono::milliseconds(10);

double secondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// After announcing, how long a rank waits for the others' answers: long enough for a rank
/// that polls every 10 ms, however loaded the machine, and short next to the timeout.
double graceSeconds(double timeout) {
  return std::clamp(timeout / 2, 1.0, 10.0);
}

std::string formatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}
}  // namespace

StallWatch::StallWatch(MPI_Comm world, std::vector<std::string> hosts) : m_hosts(std::move(hosts)) {
  MPI_Comm_dup(world, &m_control);
  MPI_Comm_rank(world, &m_rank);
  MPI_Comm_size(world, &m_size);
  m_heard.assign(static_cast<size_t>(m_size), -1);
}

StallWatch::~StallWatch() {
  for (Sent& s : m_sent)
    if (s.request != MPI_REQUEST_NULL) MPI_Request_free(&s.request);
  if (m_control != MPI_COMM_NULL) MPI_Comm_free(&m_control);
}

void StallWatch::announce(long long sequence) {
  for (int r = 0; r < m_size; ++r) {
    if (r == m_rank) continue;
    Sent& s = m_sent.emplace_back();
    s.sequence = sequence;
    MPI_Isend(&s.sequence, 1, MPI_LONG_LONG, r, kTag, m_control, &s.request);
  }
}

void StallWatch::receiveAnnouncements() {
  for (;;) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, kTag, m_control, &flag, &status);
    if (!flag) return;
    long long sequence = -1;
    MPI_Recv(&sequence, 1, MPI_LONG_LONG, status.MPI_SOURCE, kTag, m_control, MPI_STATUS_IGNORE);
    long long& heard = m_heard[static_cast<size_t>(status.MPI_SOURCE)];
    heard = std::max(heard, sequence);
  }
}

void StallWatch::dropCompletedSends() {
  for (auto it = m_sent.begin(); it != m_sent.end();) {
    int done = 0;
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done ? m_sent.erase(it) : std::next(it);
  }
}

std::string StallWatch::report(long long sequence, double waited) const {
  std::string stalled, alive;
  int stalledCount = 0;
  for (int r = 0; r < m_size; ++r) {
    const bool answered = r == m_rank || m_heard[static_cast<size_t>(r)] >= sequence;
    std::string& list = answered ? alive : stalled;
    if (!list.empty()) list += ", ";
    list += answered ? std::to_string(r)
                     : std::to_string(r) + " (" + m_hosts[static_cast<size_t>(r)] + ")";
    stalledCount += answered ? 0 : 1;
  }
  const std::string where = (m_activity.empty() ? std::string("a collective call") : m_activity) +
                            " (collective call #" + std::to_string(sequence) + ")";
  if (stalledCount == 0)
    return "stalled: every rank has waited up to " + formatSeconds(waited) + " in " + where +
           " and it does not complete (MPI makes no progress)";
  return std::string("stalled: rank") + (stalledCount > 1 ? "s " : " ") + stalled +
         " stopped responding: rank" + (alive.find(',') != std::string::npos ? "s " : " ") + alive +
         " waited " + formatSeconds(waited) + " in " + where + " and " +
         (stalledCount > 1 ? "they" : "it") + " did not answer (stopped, hung, or busier than " +
         "training.stall_timeout_s = " + formatSeconds(m_timeout) + ")";
}

Status StallWatch::mpiError(int rc, const char* call) const {
  char text[MPI_MAX_ERROR_STRING] = {};
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return Status(ErrorCode::Internal, std::string(call) + " failed on rank " +
                                         std::to_string(m_rank) + " (" +
                                         m_hosts[static_cast<size_t>(m_rank)] +
                                         "): " + std::string(text, static_cast<size_t>(length)));
}

Expected<bool> StallWatch::test(MPI_Request& request, const char* call) {
  int done = 0;
  if (int rc = MPI_Test(&request, &done, MPI_STATUS_IGNORE); rc != MPI_SUCCESS)
    return mpiError(rc, call);
  return done != 0;
}

Status StallWatch::wait(MPI_Request& request, long long sequence, const char* call) {
  const auto start = Clock::now();
  auto nextProbe = start + kProbeInterval;
  bool announced = false;
  Clock::time_point announcedAt;
  const double grace = graceSeconds(m_timeout);
  for (;;) {
    LOOM_ASSIGN_OR_RETURN(const bool done, test(request, call));
    if (done) break;
    sched_yield();
    if (m_timeout <= 0) continue;
    const auto now = Clock::now();
    if (now < nextProbe) continue;
    nextProbe = now + kProbeInterval;
    receiveAnnouncements();
    const bool asked =
        std::any_of(m_heard.begin(), m_heard.end(), [&](long long s) { return s >= sequence; });
    if (!announced && (asked || secondsBetween(start, now) >= m_timeout)) {
      announce(sequence);  // "I am alive and wait in call #sequence"
      announced = true;
      announcedAt = now;
    }
    if (!announced || secondsBetween(announcedAt, now) < grace) continue;
    int lowestAlive = m_rank;
    for (int r = 0; r < m_rank; ++r)
      if (m_heard[static_cast<size_t>(r)] >= sequence) lowestAlive = std::min(lowestAlive, r);
    // The lowest live rank reports; the others give it time to end the job first.
    if (lowestAlive == m_rank || secondsBetween(announcedAt, now) >= 3 * grace)
      return Status(ErrorCode::Internal, report(sequence, secondsBetween(start, now)));
  }
  if (!m_sent.empty()) dropCompletedSends();
  return Status::ok();
}

}  // namespace loom
