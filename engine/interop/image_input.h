// PNG/JPEG files as model input (`loom predict IMAGE...`): decoded by OpenCV, converted to
// the model's channel count, resized to its input size.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// Pixels of `path` as U8 [1, channels, height, width] (channels 1: grayscale; 3: RGB order),
/// resized with area interpolation when the file has another size. DataCorrupt when OpenCV
/// cannot decode the file (the message names it).
Expected<Tensor> loadImagePixels(const std::string& path, std::int64_t channels,
                                 std::int64_t height, std::int64_t width);

}  // namespace loom
