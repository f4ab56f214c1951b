// Tanh: y = tanh(x).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeTanhOp();

}  // namespace loom
