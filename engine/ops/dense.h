// Dense (fully connected): dst[n, u] = sum_f src[n, f] * weights[u, f] + bias[u].
// Input must be [N, F] (put a Flatten before it for images). Params: weights [units, F]
// (PyTorch layout), bias [units] when use_bias.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeDenseOp();

}  // namespace loom
