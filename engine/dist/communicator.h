// Communicator: the collective operations data-parallel training needs, over whatever
// transport a build has. Every rank calls the same operations in the same order with the same
// sizes (MPI's rule); an implementation may block until every rank has arrived.
//
//   LocalCommunicator   one process (size 1): every operation is a no-op.
//   MpiCommunicator     Open MPI 4.1 on CPU buffers (engine/dist/mpi/, library loom_dist_mpi,
//                       so only the targets that launch workers link MPI).
//   (NCCL)              comes with the CUDA backend: the same calls on device buffers. The
//                       interface takes plain spans and never exposes an MPI type, so a
//                       stream-ordered NCCL implementation fits behind it.
//
// Reproducibility: a reduction over a given number of ranks and a given buffer size always
// adds in the same order (MPI fixes the algorithm per message size and communicator), so two
// runs at the same rank count give bit-identical results. Results at different rank counts
// differ only by float rounding (docs/distributed.md).
//
// Asynchronous allreduce (startAllreduce / testAllreduce / waitAllreduce): the same reduction,
// started now and completed later, so the trainer can reduce one gradient bucket while
// backward still computes the next (docs/distributed.md, "Overlap"). Several may be in flight
// at once; every rank must start them in the same order with the same sizes (MPI's rule for
// non-blocking collectives; NCCL's for its stream-ordered calls), and may complete them in any
// order. The result is bit-identical to allreduce() of the same span: only the time differs.
// An implementation without a transport of its own (LocalCommunicator) completes the operation
// inside startAllreduce().
//
// Stalls: a rank that stops (SIGSTOP, a hung file system, a deadlock) leaves the others
// waiting in their next collective call forever. setStallTimeout() makes an implementation
// end such a wait: after the timeout the waiting ranks find out which ranks are still alive
// and the call returns an error naming the ranks that did not answer, their hosts, and where
// the others wait (setActivity()'s text). The trainer sets both (training.stall_timeout_s).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/core/status.h"

namespace loom {

/// An allreduce started by Communicator::startAllreduce(), completed by testAllreduce()
/// returning true or by waitAllreduce(); after that the handle is spent. An opaque number, so
/// that no transport's type (MPI_Request, cudaEvent_t) appears in this interface.
struct AllreduceRequest {
  std::uint64_t id = 0;  ///< 0: no request
};

enum class ReduceOp {
  Sum,      ///< element-wise sum over the ranks
  Average,  ///< the sum times 1 / size()
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  ///< 0 .. size() - 1
  virtual int size() const = 0;  ///< the world size (ranks)
  /// "local" or "mpi": for messages and run.json.
  virtual std::string name() const = 0;
  /// The host this rank runs on (for messages naming a rank).
  virtual std::string hostName() const;

  /// Replaces `data` on every rank by the reduction of every rank's `data` (same length on
  /// every rank; an empty span is allowed and still synchronises).
  virtual Status allreduce(std::span<float> data, ReduceOp op) = 0;
  /// Copies rank `root`'s `data` into every rank's `data` (same length everywhere).
  virtual Status broadcast(std::span<float> data, int root) = 0;
  /// The same for raw bytes (optimizer state, small control values).
  virtual Status broadcastBytes(std::span<std::byte> data, int root) = 0;
  /// Returns once every rank has called it.
  virtual Status barrier() = 0;

  /// Starts allreduce(data, op) and returns at once. `data` must stay alive and untouched
  /// until the request completes; it then holds the result. Collective: every rank starts the
  /// same requests in the same order. Default (for implementations without a transport): runs
  /// allreduce() now and returns a request that is already complete.
  virtual Expected<AllreduceRequest> startAllreduce(std::span<float> data, ReduceOp op);
  /// Never blocks: true when `request` has completed (its span holds the result and the handle
  /// is spent), false while it is in flight. Also drives the transport's progress: Open MPI
  /// over shared memory or TCP advances a non-blocking collective only inside MPI calls, so a
  /// caller busy with other work calls this now and then to keep its requests moving.
  /// InvalidArgument for the empty handle (and, where an implementation tracks them, for an
  /// unknown or spent one); the transport's error otherwise. Default: complete.
  virtual Expected<bool> testAllreduce(AllreduceRequest request);
  /// Blocks until `request` completes (under the stall timeout, like every collective call;
  /// setActivity()'s text names it in a report). The handle is spent afterwards. Errors as
  /// testAllreduce(). Default: complete.
  virtual Status waitAllreduce(AllreduceRequest request);

  /// The host of rank `rank` (0 .. size() - 1), for messages naming another rank; this
  /// rank's own for others when an implementation does not know them.
  virtual std::string hostOf(int rank) const;
  /// Ends any collective call that has not completed `seconds` after it started with an
  /// Internal error naming the ranks that stopped answering (see the top of this file).
  /// 0 (the default): wait forever. Implementations without waits ignore it.
  virtual void setStallTimeout(double seconds) { (void)seconds; }
  /// What the next collective calls are for, in words, for stall reports: "the gradient
  /// allreduce of global step 12". Kept until the next call; empty: "a collective call".
  virtual void setActivity(std::string what) { (void)what; }
};

/// One process: rank 0 of 1.
std::unique_ptr<Communicator> makeLocalCommunicator();

}  // namespace loom
