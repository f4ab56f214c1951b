// Input: the graph's data entry point. Output [N] + shape; the executor writes the batch
// into dst, so forward/backward do nothing.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeInputOp();

}  // namespace loom
