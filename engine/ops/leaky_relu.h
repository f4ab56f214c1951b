// LeakyReLU: y = x for x > 0, alpha * x otherwise (alpha 0.01). Gradient at 0 is alpha (as
// PyTorch).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeLeakyReLUOp();

}  // namespace loom
