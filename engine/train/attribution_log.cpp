#include "engine/train/attribution_log.h"

#include <algorithm>

#include "engine/explain/faithfulness.h"
#include "engine/explain/gradient_methods.h"
#include "engine/explain/render.h"

namespace loom {

Tensor probeImageU8(const Dataset& data, std::int64_t i) {
  const Dims& d = data.images.dims();
  Tensor out(Dims{d[1], d[2], d[3]}, DType::U8);
  const std::int64_t n = d[1] * d[2] * d[3];
  auto* dst = out.data<std::uint8_t>();
  for (std::int64_t k = 0; k < n; ++k)
    dst[k] = data.images.dtype() == DType::U8
                 ? data.images.data<std::uint8_t>()[i * n + k]
                 : static_cast<std::uint8_t>(std::clamp(data.images.f32()[i * n + k], 0.0f, 1.0f) *
                                             255.0f);
  return out;
}

Expected<std::vector<Tensor>> probeAttributionOverlays(ModelProbe& probe, const Tensor& x,
                                                       const std::vector<std::int64_t>& predicted,
                                                       const Dataset& data,
                                                       const std::vector<std::int64_t>& indices,
                                                       const Normalization& norm) {
  const Dims& d = data.images.dims();
  if (d.size() != 4 || (d[1] != 1 && d[1] != 3))
    return invalidArgument("attribution maps need images [N, 1 or 3, H, W], the data set has " +
                           dimsToString(d));
  IntegratedGradientsOptions o;
  o.steps = kAttributionSteps;
  o.baseline.black.clear();
  for (size_t c = 0; c < norm.mean.size(); ++c)
    o.baseline.black.push_back(static_cast<float>(-norm.mean[c] / norm.std[c]));
  LOOM_ASSIGN_OR_RETURN(Explanation e,
                        integratedGradients(probe, x, predicted, ScoreKind::Logit, o));
  std::vector<Tensor> overlays;
  for (size_t k = 0; k < indices.size(); ++k)
    overlays.push_back(renderOverlay(probeImageU8(data, indices[k]),
                                     pixelSaliency(e.map, static_cast<std::int64_t>(k), false),
                                     OverlayStyle{}));
  return overlays;
}

}  // namespace loom
