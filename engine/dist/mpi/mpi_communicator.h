// MpiCommunicator: the Communicator (engine/dist/communicator.h) over Open MPI 4.1, on CPU
// buffers, for ranks started by mpirun (`loom launch`, docs/distributed.md). Lives in the
// static library loom_dist_mpi so that only the programs that run as workers link MPI.
//
// One per process: create() initialises MPI (MPI_THREAD_FUNNELED: every call comes from the
// training thread) and the destructor finalises it. Errors on MPI_COMM_WORLD return instead
// of aborting, so a failed call becomes a Status naming the operation and the rank. A rank
// whose training fails calls abortJob(): MPI_Abort takes the whole job down at once (mpirun
// names the rank), rather than leaving the others blocked in the next allreduce.
//
// Every collective is started non-blocking and completed by a StallWatch (stall_watch.h),
// which ends a wait longer than setStallTimeout() with an error naming the ranks that stopped
// answering. create() gathers every rank's host name once, for hostOf() and those reports.
//
// startAllreduce() is MPI_Iallreduce on MPI_COMM_WORLD, numbered by the StallWatch when it
// starts (so a stall report names the same call on every rank); waitAllreduce() completes it
// under the stall timeout, testAllreduce() is MPI_Test. allreduce() is startAllreduce() and
// waitAllreduce() at once, so both give the same bits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "engine/dist/communicator.h"

namespace loom {

class StallWatch;

class MpiCommunicator final : public Communicator {
 public:
  /// Initialises MPI (once per process). Unsupported if MPI is already finalised.
  static Expected<std::shared_ptr<MpiCommunicator>> create(int* argc, char*** argv);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return m_rank; }
  int size() const override { return m_size; }
  std::string name() const override { return "mpi"; }
  std::string hostName() const override { return m_host; }
  Status allreduce(std::span<float> data, ReduceOp op) override;
  Status broadcast(std::span<float> data, int root) override;
  Status broadcastBytes(std::span<std::byte> data, int root) override;
  Status barrier() override;
  Expected<AllreduceRequest> startAllreduce(std::span<float> data, ReduceOp op) override;
  Expected<bool> testAllreduce(AllreduceRequest request) override;
  Status waitAllreduce(AllreduceRequest request) override;
  std::string hostOf(int rank) const override;
  void setStallTimeout(double seconds) override;
  void setActivity(std::string what) override;

  /// Ends every rank of the job with `exitCode` (MPI_Abort); does not return.
  [[noreturn]] void abortJob(int exitCode);

 private:
  MpiCommunicator() = default;
  Status check(int rc, const char* what) const;
  /// An allreduce in flight: one MPI request per chunk of at most INT_MAX floats.
  struct Pending;
  Expected<Pending*> pending(AllreduceRequest request);
  /// Applies the average's scale and forgets the request.
  void complete(AllreduceRequest request);

  int m_rank = 0;
  int m_size = 1;
  std::string m_host;
  std::vector<std::string> m_hosts;                             ///< by rank
  std::unique_ptr<StallWatch> m_watch;                          ///< completes every collective call
  std::map<std::uint64_t, std::unique_ptr<Pending>> m_pending;  ///< by AllreduceRequest::id
  std::uint64_t m_nextRequest = 1;
};

}  // namespace loom
