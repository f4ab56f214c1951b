// Shared by MaxPool2D and AvgPool2D: the common attributes, window resolution and shape
// inference. Internal to engine/ops.
#pragma once

#include <vector>

#include "engine/ops/conv_geometry.h"
#include "engine/ops/op.h"

namespace loom {

/// pool_size, stride (0 = pool_size), padding, pads.
std::vector<AttrSpec> pool2dAttrs();

/// The window of a pooling node over input [N, C, H, W]. Explicit pads must each be
/// smaller than the pool size in their dimension, so that no window lies entirely in
/// padding (the error names the attribute and both values).
Expected<Window2D> pool2dWindow(const Dims& input, const Attrs& attrs);

/// [N, C, H, W] -> [N, C, outH, outW]; no params.
Expected<ShapeInfo> pool2dInferShapes(const std::vector<Dims>& inputs, const Attrs& attrs,
                                      const char* opName);

}  // namespace loom
