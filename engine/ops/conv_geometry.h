// Window geometry shared by Conv2D, MaxPool2D and AvgPool2D and by every backend that
// implements them: padding mode, the four pads and the output size.
//
// Padding modes (Keras vocabulary):
//  * "valid":    no padding.
//  * "same":     TensorFlow's rule. Output size is ceil(in / stride); the total padding is
//                max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0); top/left get
//                total / 2 and the odd pixel goes to bottom/right.
//  * "explicit": the `pads` attribute, [top, left, bottom, right] (ONNX order is
//                [top, left, bottom, right] too: x1_begin, x2_begin, x1_end, x2_end).
//
// Output size (any mode): out = (in + padBegin + padEnd - ((k - 1) * dilation + 1)) / stride + 1,
// rounded down (floor mode, as PyTorch's default ceil_mode=False).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/core/status.h"

namespace loom {

enum class PaddingMode { Valid, Same, Explicit };
const char* paddingModeName(PaddingMode mode);
std::optional<PaddingMode> parsePaddingMode(const std::string& name);

/// One 2-D window over an input plane: kernel, stride, dilation, pads and sizes.
struct Window2D {
  std::int64_t inH = 0, inW = 0;
  std::int64_t kH = 1, kW = 1;
  std::int64_t strideH = 1, strideW = 1;
  std::int64_t dilationH = 1, dilationW = 1;
  std::int64_t padTop = 0, padLeft = 0, padBottom = 0, padRight = 0;
  std::int64_t outH = 0, outW = 0;
};

/// Computes pads and output size. `pads` ([top, left, bottom, right]) is read only in
/// Explicit mode. Fails (naming the input size, the kernel extent and the pads) when the
/// dilated kernel does not fit in the padded input. Kernel, stride and dilation must be
/// >= 1 (the op schemas guarantee it).
Expected<Window2D> computeWindow2D(std::int64_t inH, std::int64_t inW,
                                   std::array<std::int64_t, 2> kernel,
                                   std::array<std::int64_t, 2> stride,
                                   std::array<std::int64_t, 2> dilation, PaddingMode mode,
                                   std::array<std::int64_t, 4> pads);

/// For one kernel tap at input offset `offset` (= k * dilation), the half-open range
/// [first, last) of output positions o whose input index o * stride - padBegin + offset
/// lies inside [0, in). Lets kernels skip padding without a branch per element.
std::array<std::int64_t, 2> validOutputRange(std::int64_t out, std::int64_t in, std::int64_t stride,
                                             std::int64_t padBegin, std::int64_t offset);

}  // namespace loom
