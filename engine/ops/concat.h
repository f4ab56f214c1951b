// Concat: joins two or more inputs along `axis` (default 1, channels; negative counts from
// the end). All other dimensions must match. The batch axis 0 cannot be concatenated.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeConcatOp();

}  // namespace loom
