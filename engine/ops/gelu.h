// GELU: y = x * Phi(x), Phi the standard normal CDF (approximate "none", exact via erf), or
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (approximate "tanh"), as PyTorch's nn.GELU.
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeGELUOp();

}  // namespace loom
