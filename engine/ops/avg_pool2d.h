// AvgPool2D: mean over each window of [N, C, H, W].
//
// count_include_pad = false (default, as Keras/TensorFlow "same"): the divisor is the number
// of input elements inside the window. true: the divisor is pool_size[0] * pool_size[1]
// (padding counts as zeros, as PyTorch's count_include_pad=True).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeAvgPool2DOp();

}  // namespace loom
