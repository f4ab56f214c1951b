// StallWatch: how MpiCommunicator waits for a collective call (internal to loom_dist_mpi;
// docs/distributed.md, "Stalls").
//
// Every collective is started non-blocking (MPI_Iallreduce, MPI_Ibcast, MPI_Ibarrier) and
// completed here by polling MPI_Test, yielding the core between polls as Open MPI's own
// blocking calls do when ranks outnumber cores. When the call has not completed after the
// timeout, this rank tells every other rank "I wait in collective call #k" (a small message
// on a duplicate of MPI_COMM_WORLD, so it never mixes with the collectives). A rank that is
// itself waiting answers with the same message as soon as it hears one. After a grace period
// every rank that is alive has answered; the ones that have not are stopped (SIGSTOP), hung,
// or stuck in work longer than the timeout. The lowest-numbered rank that answered returns the
// error naming them (the trainer then ends the job with MPI_Abort); the others return it a
// little later, in case that rank cannot.
//
// Nothing extra happens while calls complete in time: no message, no thread, no timer. The
// messages need no progress thread: a waiting rank drives MPI's progress by polling.
#pragma once

#include <mpi.h>

#include <list>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace loom {

class StallWatch {
 public:
  /// `world`: the communicator the collectives run on (duplicated for the messages).
  /// `hosts`: every rank's host name, for the report.
  StallWatch(MPI_Comm world, std::vector<std::string> hosts);
  ~StallWatch();
  StallWatch(const StallWatch&) = delete;
  StallWatch& operator=(const StallWatch&) = delete;

  /// Seconds a collective call may take before the ranks are examined; <= 0: forever.
  void setTimeout(double seconds) { m_timeout = seconds; }
  /// Where the next calls are, in words ("the gradient allreduce of global step 12").
  void setActivity(std::string what) { m_activity = std::move(what); }

  /// Numbers the collective call being started now (1, 2, ...). Every rank starts the same
  /// calls in the same order, so the number names the same call on every rank, however many
  /// are in flight and in whichever order they complete.
  long long begin() { return ++m_sequence; }
  /// Completes `request`, the non-blocking collective call number `sequence` (begin())
  /// started by `call` (e.g. "MPI_Iallreduce"). Errors: the MPI error of the call, or Internal
  /// naming the stalled ranks and hosts, where this rank waits, and for how long.
  Status wait(MPI_Request& request, long long sequence, const char* call);
  /// begin() and wait() of a call started just now (the blocking collectives).
  Status wait(MPI_Request& request, const char* call) { return wait(request, begin(), call); }
  /// Never blocks: true when `request` has completed (MPI_Test, which also advances every
  /// request in flight). Errors: the MPI error of `call`.
  Expected<bool> test(MPI_Request& request, const char* call);

 private:
  struct Sent {
    long long sequence = 0;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  void announce(long long sequence);
  void receiveAnnouncements();
  void dropCompletedSends();
  std::string report(long long sequence, double waited) const;
  Status mpiError(int rc, const char* call) const;

  MPI_Comm m_control = MPI_COMM_NULL;
  int m_rank = 0;
  int m_size = 1;
  std::vector<std::string> m_hosts;
  double m_timeout = 0;
  std::string m_activity;
  long long m_sequence = 0;        ///< collective calls started by this rank (begin())
  std::vector<long long> m_heard;  ///< per rank: the latest call it said it waits in (-1: none)
  std::list<Sent> m_sent;          ///< announcements in flight (their buffers must stay put)
};

}  // namespace loom
