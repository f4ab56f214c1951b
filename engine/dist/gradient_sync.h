// Gradient synchronisation: the one hook distributed data-parallel training needs in the
// trainer loop. After backward and before the optimizer step, the trainer calls
// allreduceMean() on the gradients in ParameterSet order; every rank then applies the same
// update. The single-process implementation does nothing. The bucketed one runs over a
// Communicator (communicator.h): the trainable gradients, concatenated in ParameterSet
// order, are cut into buckets of a fixed size (training.allreduce_bucket_kib, DDP's 25 MiB
// by default, Horovod's "fusion buffer") and each bucket is averaged with one allreduce, in
// the same order on every rank, so results stay reproducible (docs/distributed.md).
//
// Overlap (training.allreduce_overlap, docs/distributed.md "Overlap"): instead of
// allreduceMean() after backward, the trainer calls beginOverlap() before backward,
// gradientsReady() after each node's backward (Plan's tap) with the parameters whose gradients
// that node just finalised, and finishOverlap() after backward. A bucket's allreduce starts
// (Communicator::startAllreduce) as soon as every gradient in it is final and every later
// bucket has started: buckets start in descending index order, last parameters first, which is
// the order backward finalises them. The buckets, their boundaries and their sizes are the
// ones allreduceMean() uses, and each bucket's reduction is the same call on the same floats,
// so the averaged gradients are bit-identical with and without overlap; only the start order
// and the timing differ. The order is fixed (a function of the parameter sizes and the bucket
// size alone), so every rank starts the same collectives in the same order, as MPI requires.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/dist/communicator.h"
#include "engine/exec/parameters.h"

namespace loom {

/// One bucket's allreduce as this rank saw it: started, and seen complete (by a poll after a
/// node's backward, which looks at the buckets in start order up to the first one still
/// running, or by the final wait), so the end is an upper bound of the completion.
struct BucketTiming {
  int bucket = 0;  ///< index into the bucket plan (planGradientBuckets)
  std::chrono::steady_clock::time_point start, end;
};

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Replaces every trainable parameter's grad by the mean over all ranks.
  virtual Status allreduceMean(std::vector<Parameter>& params) = 0;
  /// Makes every rank's parameter values (buffers included) equal to rank 0's.
  virtual Status broadcastParameters(std::vector<Parameter>& params) = 0;

  /// Overlapped allreduceMean(), part 1, before backward: no gradient is final yet. Default
  /// (and one process): nothing.
  virtual Status beginOverlap(std::vector<Parameter>& params);
  /// Part 2, after a node's backward: params[first, first + count) now hold their final
  /// gradients (count may be 0). Starts every bucket this completes, in the fixed order, and
  /// polls the buckets in flight so that the transport makes progress (Open MPI advances a
  /// non-blocking collective only inside MPI calls). Default: nothing.
  virtual Status gradientsReady(std::vector<Parameter>& params, size_t first, size_t count);
  /// Part 3, after backward: every gradient is final (a node whose backward did not run left
  /// its gradients as they were). Starts the buckets left, waits for all of them and writes
  /// the means into the grads: afterwards the grads equal allreduceMean()'s, bit for bit.
  /// Default: allreduceMean().
  virtual Status finishOverlap(std::vector<Parameter>& params);
  /// The buckets of the last allreduceMean() or overlapped step, in the order they started
  /// (for the timeline). Default: none.
  virtual const std::vector<BucketTiming>& bucketTimings() const;
};

/// One process: a no-op.
std::unique_ptr<GradientSync> makeLocalGradientSync();

/// One bucket: floats [first, first + count) of the concatenated trainable gradients.
struct GradientBucket {
  std::int64_t first = 0;
  std::int64_t count = 0;
};

/// Cuts `totalFloats` floats into consecutive buckets of bucketBytes / 4 floats (at least
/// one float each), the last one shorter. No bucket for 0 floats. InvalidArgument when
/// bucketBytes < 4 or totalFloats < 0.
Expected<std::vector<GradientBucket>> planGradientBuckets(std::int64_t totalFloats,
                                                          std::int64_t bucketBytes);

/// Averages gradients over `comm` in fixed-size buckets (see above). bucketBytes >= 4.
std::unique_ptr<GradientSync> makeBucketedGradientSync(std::shared_ptr<Communicator> comm,
                                                       std::int64_t bucketBytes);

}  // namespace loom
