// ELU: y = x for x > 0, alpha * (exp(x) - 1) otherwise (alpha 1). Gradient at 0 is alpha.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeELUOp();

}  // namespace loom
