#include "engine/ops/conv_geometry.h"

#include <algorithm>

namespace loom {

const char* paddingModeName(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::Valid:
      return "valid";
    case PaddingMode::Same:
      return "same";
    case PaddingMode::Explicit:
      return "explicit";
  }
  return "?";
}

std::optional<PaddingMode> parsePaddingMode(const std::string& name) {
  for (PaddingMode m : {PaddingMode::Valid, PaddingMode::Same, PaddingMode::Explicit})
    if (name == paddingModeName(m)) return m;
  return std::nullopt;
}

namespace {
// TensorFlow's "same": returns {begin, end}.
std::array<std::int64_t, 2> samePads(std::int64_t in, std::int64_t k, std::int64_t s,
                                     std::int64_t d) {
  const std::int64_t out = (in + s - 1) / s;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * s + (k - 1) * d + 1 - in, 0);
  return {total / 2, total - total / 2};
}
}  // namespace

Expected<Window2D> computeWindow2D(std::int64_t inH, std::int64_t inW,
                                   std::array<std::int64_t, 2> kernel,
                                   std::array<std::int64_t, 2> stride,
                                   std::array<std::int64_t, 2> dilation, PaddingMode mode,
                                   std::array<std::int64_t, 4> pads) {
  Window2D w;
  w.inH = inH;
  w.inW = inW;
  w.kH = kernel[0];
  w.kW = kernel[1];
  w.strideH = stride[0];
  w.strideW = stride[1];
  w.dilationH = dilation[0];
  w.dilationW = dilation[1];
  switch (mode) {
    case PaddingMode::Valid:
      break;
    case PaddingMode::Same: {
      auto [t, b] = samePads(inH, w.kH, w.strideH, w.dilationH);
      auto [l, r] = samePads(inW, w.kW, w.strideW, w.dilationW);
      w.padTop = t;
      w.padBottom = b;
      w.padLeft = l;
      w.padRight = r;
      break;
    }
    case PaddingMode::Explicit:
      w.padTop = pads[0];
      w.padLeft = pads[1];
      w.padBottom = pads[2];
      w.padRight = pads[3];
      break;
  }
  const std::int64_t extentH = (w.kH - 1) * w.dilationH + 1;
  const std::int64_t extentW = (w.kW - 1) * w.dilationW + 1;
  const std::int64_t paddedH = inH + w.padTop + w.padBottom;
  const std::int64_t paddedW = inW + w.padLeft + w.padRight;
  if (extentH > paddedH || extentW > paddedW) {
    return shapeMismatch(
        "the window (kernel " + std::to_string(w.kH) + "x" + std::to_string(w.kW) + ", dilation " +
        std::to_string(w.dilationH) + "x" + std::to_string(w.dilationW) + ", extent " +
        std::to_string(extentH) + "x" + std::to_string(extentW) + ") does not fit the input " +
        std::to_string(inH) + "x" + std::to_string(inW) + " padded to " + std::to_string(paddedH) +
        "x" + std::to_string(paddedW) + " (padding \"" + paddingModeName(mode) + "\")");
  }
  w.outH = (paddedH - extentH) / w.strideH + 1;
  w.outW = (paddedW - extentW) / w.strideW + 1;
  return w;
}

std::array<std::int64_t, 2> validOutputRange(std::int64_t out, std::int64_t in, std::int64_t stride,
                                             std::int64_t padBegin, std::int64_t offset) {
  // Smallest o with o * stride >= bound (bound may be negative).
  auto firstAtLeast = [stride](std::int64_t bound) {
    return bound <= 0 ? std::int64_t{0} : (bound + stride - 1) / stride;
  };
  const std::int64_t first = std::min(firstAtLeast(padBegin - offset), out);
  const std::int64_t last = std::min(firstAtLeast(in + padBegin - offset), out);
  return {first, std::max(first, last)};
}

}  // namespace loom
