#include "engine/ops/pool2d_common.h"

#include "engine/ops/op_helpers.h"

namespace loom {

std::vector<AttrSpec> pool2dAttrs() {
  return {
      intsAttr("pool_size", std::vector<std::int64_t>{2, 2}, 2, 1, "[kH, kW]"),
      intsAttr("stride", std::vector<std::int64_t>{0, 0}, 2, 0,
               "[sH, sW]; 0 means equal to pool_size"),
      stringAttr("padding", "valid", {"valid", "same", "explicit"},
                 "valid: none; same: TensorFlow's rule; explicit: `pads`"),
      intsAttr("pads", std::vector<std::int64_t>{0, 0, 0, 0}, 4, 0,
               "[top, left, bottom, right], used when padding is explicit; each smaller than "
               "the pool size"),
  };
}

Expected<Window2D> pool2dWindow(const Dims& input, const Attrs& attrs) {
  const auto& k = attrs.ints("pool_size");
  const auto& s = attrs.ints("stride");
  const auto& p = attrs.ints("pads");
  const PaddingMode mode = parsePaddingMode(attrs.s("padding")).value_or(PaddingMode::Valid);
  if (mode == PaddingMode::Explicit) {
    const std::int64_t limits[4] = {k[0], k[1], k[0], k[1]};
    for (int i = 0; i < 4; ++i)
      if (p[static_cast<size_t>(i)] >= limits[i])
        return invalidArgument("attribute \"pads\" = " + attrToString(p) + ": pad " +
                               std::to_string(p[static_cast<size_t>(i)]) +
                               " must be smaller than the pool size " + std::to_string(limits[i]) +
                               " (attribute \"pool_size\" = " + attrToString(k) + ")");
  }
  const std::int64_t sH = s[0] == 0 ? k[0] : s[0], sW = s[1] == 0 ? k[1] : s[1];
  return computeWindow2D(input.at(2), input.at(3), {k[0], k[1]}, {sH, sW}, {1, 1}, mode,
                         {p[0], p[1], p[2], p[3]});
}

Expected<ShapeInfo> pool2dInferShapes(const std::vector<Dims>& inputs, const Attrs& attrs,
                                      const char* opName) {
  const Dims& in = inputs.at(0);
  if (in.size() != 4)
    return shapeMismatch("input 0 has shape " + dimsToString(in) + " but " + opName +
                         " needs [N, C, H, W]");
  LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(in, attrs));
  ShapeInfo info;
  info.output = {in[0], in[1], w.outH, w.outW};
  return info;
}

}  // namespace loom
