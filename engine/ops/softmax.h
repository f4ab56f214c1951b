// Softmax along `axis` (default 1, the channel/class axis; negative counts from the end,
// -1 = last). For [N, C] logits, axis 1 and -1 are the same. Backward recomputes the
// output from src.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeSoftmaxOp();

}  // namespace loom
