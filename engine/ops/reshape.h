// Reshape: [N, ...] -> [N] + shape, keeping the row-major element order. `shape` is the
// per-sample target; one element may be -1 and is inferred from the element count.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeReshapeOp();

}  // namespace loom
