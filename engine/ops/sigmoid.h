// Sigmoid: y = 1 / (1 + exp(-x)), evaluated without overflow for large |x|.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeSigmoidOp();

}  // namespace loom
