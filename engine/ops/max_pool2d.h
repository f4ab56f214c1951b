// MaxPool2D: maximum over each window of [N, C, H, W]; padding never wins (it is -inf).
//
// Tie rule: when several elements of a window share the maximum, the first one in
// row-major window order (top row first, then left to right) is the argmax, and backward
// routes the whole gradient to it (as PyTorch's CPU kernel).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeMaxPool2DOp();

}  // namespace loom
