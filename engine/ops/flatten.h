// Flatten: [N, d1, d2, ...] -> [N, d1 * d2 * ...] (row-major, so it is a copy in Plain layout).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeFlattenOp();

}  // namespace loom
