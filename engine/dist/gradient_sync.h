// Gradient synchronisation: the one hook distributed data-parallel training needs in the
// trainer loop. After backward and before the optimizer step, the trainer calls
// allreduceMean() on the gradients in ParameterSet order; every rank then applies the same
// update. The single-process implementation does nothing. The bucketed one runs over a
// Communicator (communicator.h): the trainable gradients, concatenated in ParameterSet
// order, are cut into buckets of a fixed size (training.allreduce_bucket_kib, DDP's 25 MiB
// by default, Horovod's "fusion buffer") and each bucket is averaged with one allreduce, in
// the same order on every rank, so results stay reproducible (docs/distributed.md).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/dist/communicator.h"
#include "engine/exec/parameters.h"

namespace loom {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Replaces every trainable parameter's grad by the mean over all ranks.
  virtual Status allreduceMean(std::vector<Parameter>& params) = 0;
  /// Makes every rank's parameter values (buffers included) equal to rank 0's.
  virtual Status broadcastParameters(std::vector<Parameter>& params) = 0;
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
