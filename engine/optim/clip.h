// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_ semantics).
#pragma once

#include <vector>

#include "engine/core/status.h"
#include "engine/exec/parameters.h"

namespace loom {

/// L2 norm of all trainable gradients together, sqrt(sum over params of sum g^2).
/// Accumulated in double over fixed chunks in a fixed order, so the result does not depend
/// on the thread count.
double globalGradNorm(const std::vector<Parameter>& params);

/// Computes the global norm and, when it is finite, scales every trainable gradient by
/// min(1, maxNorm / (norm + 1e-6)) (as PyTorch, which multiplies even when the factor is
/// 1). Returns the norm before clipping. A non-finite norm leaves the gradients untouched
/// (PyTorch would fill them with NaN) so the caller can report which one overflowed.
/// InvalidArgument when maxNorm is not positive and finite.
Expected<double> clipGradNorm(std::vector<Parameter>& params, double maxNorm);

}  // namespace loom
