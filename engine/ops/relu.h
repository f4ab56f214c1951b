// ReLU: y = max(x, 0). The gradient at x = 0 is 0 (as PyTorch).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeReLUOp();

}  // namespace loom
