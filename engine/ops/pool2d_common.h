// Shared by MaxPool2D and AvgPool2D: the common attributes, window resolution and shape
// inference. Internal to engine/ops.
#pragma once

#include <algorithm>
#include <cstdint>
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

/// The part of one pooling window that lies inside the input: rows [hBegin, hEnd) and
/// columns [wBegin, wEnd) of its plane, padding clipped off. pool2dWindow() guarantees that
/// it holds at least one element.
struct PoolSpan {
  std::int64_t hBegin, hEnd, wBegin, wEnd;
};

/// Calls fn(outputIndex, planeBase, span) for every output element of a pooling with window
/// `w` over the Plain [N, C, H, W] tensor `src` (the reference kernels' loop): outputIndex is
/// the flat index into [N, C, outH, outW], planeBase the flat index where the window's input
/// plane starts.
template <class Fn>
void forEachPoolWindow(const Tensor& src, const Window2D& w, Fn&& fn) {
  const std::int64_t planes = src.dim(0) * src.dim(1);
  for (std::int64_t p = 0; p < planes; ++p)
    for (std::int64_t oh = 0; oh < w.outH; ++oh) {
      const std::int64_t h0 = oh * w.strideH - w.padTop;
      for (std::int64_t ow = 0; ow < w.outW; ++ow) {
        const std::int64_t w0 = ow * w.strideW - w.padLeft;
        PoolSpan s;
        s.hBegin = std::max<std::int64_t>(h0, 0);
        s.hEnd = std::min(h0 + w.kH, w.inH);
        s.wBegin = std::max<std::int64_t>(w0, 0);
        s.wEnd = std::min(w0 + w.kW, w.inW);
        fn((p * w.outH + oh) * w.outW + ow, p * w.inH * w.inW, s);
      }
    }
}

}  // namespace loom
