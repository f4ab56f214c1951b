// Conv2D: 2-D convolution (cross-correlation, as PyTorch/Keras) over [N, C, H, W].
//
// Params: weights [filters, C / groups, kH, kW], bias [filters] when use_bias.
// Padding modes and output size: engine/ops/conv_geometry.h. Backends compute the same
// geometry through computeWindow2D() so every implementation agrees on the pads.
#pragma once

#include <memory>

#include "engine/core/status.h"
#include "engine/ops/conv_geometry.h"
#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeConv2DOp();

/// The window of a Conv2D node with resolved attributes over input [N, C, H, W].
Expected<Window2D> conv2dWindow(const Dims& input, const Attrs& attrs);

}  // namespace loom
