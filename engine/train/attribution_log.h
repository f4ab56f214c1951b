// Attribution maps of the probe batch, written to the event log every epoch: the dashboard
// shows, beside the probe images and their predicted labels, where the model looks for each
// prediction as training goes on (issue "Inspect": events are the one data path).
//
// The maps are Integrated Gradients (engine/explain) for the predicted class's logit, from a
// black baseline, kAttributionSteps Gauss-Legendre steps, each drawn over its probe image
// (engine/explain/render.h: red for evidence for the class, blue against) and logged as
// "probe/attribution/NN" beside the image's "probe/NN". The probe reuses the trainer's parameters
// and its plans across epochs (ModelProbe::parametersChanged() each time), so an epoch costs
// kProbeSamples x kAttributionSteps forward and backward passes of one sample each, about a
// tenth of a second for the example CNN.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/data/dataset.h"
#include "engine/data/transforms.h"
#include "engine/explain/probe.h"

namespace loom {

inline constexpr std::int64_t kAttributionSteps = 16;

/// Sample `i` of an image dataset as U8 [C, H, W] (F32 images are in [0, 1]), as the probe
/// images and their overlays are drawn.
Tensor probeImageU8(const Dataset& data, std::int64_t i);

/// The Integrated Gradients maps of the normalised probe inputs `x` [N, C, H, W] for the
/// classes `predicted`, each drawn over raw sample indices[k] of `data` (U8, or F32 in [0, 1],
/// images) as RGB U8 [3, 4H, 4W]. `norm` gives the model-input value of a black pixel.
/// InvalidArgument for data that are not images, or an input equal to its baseline.
Expected<std::vector<Tensor>> probeAttributionOverlays(ModelProbe& probe, const Tensor& x,
                                                       const std::vector<std::int64_t>& predicted,
                                                       const Dataset& data,
                                                       const std::vector<std::int64_t>& indices,
                                                       const Normalization& norm);

}  // namespace loom
