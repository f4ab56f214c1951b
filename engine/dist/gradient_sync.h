// Gradient synchronisation: the one hook distributed data-parallel training needs in the
// trainer loop. After backward and before the optimizer step, the trainer calls
// allreduceMean() on the gradients in ParameterSet order; every rank then applies the same
// update. The single-process implementation does nothing. The MPI and NCCL communicators
// (docs/distributed.md) implement this interface with fixed-order gradient buckets, so
// results stay reproducible.
#pragma once

#include <memory>
#include <vector>

#include "engine/core/status.h"
#include "engine/exec/parameters.h"

namespace loom {

class GradientSync {
 public:
  virtual ~GradientSync() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Replaces every trainable parameter's grad by the mean over all ranks.
  virtual Status allreduceMean(std::vector<Parameter>& params) = 0;
  /// Makes every rank's parameter values equal to rank 0's (before the first step).
  virtual Status broadcastParameters(std::vector<Parameter>& params) = 0;
};

/// One process: a no-op.
std::unique_ptr<GradientSync> makeLocalGradientSync();

}  // namespace loom
