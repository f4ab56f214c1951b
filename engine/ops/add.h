// Add: element-wise sum of two or more inputs of identical shape (residual connections).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeAddOp();

}  // namespace loom
