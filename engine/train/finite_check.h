// Cheap NaN/Inf checks for the training loop (internal to engine/train). They only answer
// "is everything finite?"; when not, Plan::checkFinite() finds and names the first node.
#pragma once

#include <vector>

#include "engine/core/tensor.h"
#include "engine/exec/parameters.h"

namespace loom {

/// True when every element of the F32 tensor is finite. One vectorised pass (x * 0 is 0 for
/// finite x and NaN for NaN and ±Inf, so the sum is 0 exactly when all are finite).
bool allFinite(const Tensor& t);
/// allFinite() over every parameter value (trainable ones and buffers).
bool allFinite(const std::vector<Parameter>& params);

}  // namespace loom
