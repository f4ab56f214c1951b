// Shared by Flatten and Reshape: both keep the row-major element order, so forward and
// backward are copies between tensors of equal element count. Internal to engine/ops.
#pragma once

#include "engine/ops/op.h"

namespace loom {

/// Copies src to dst (same element count, any dims). Reference forward of Flatten/Reshape.
Status copyElementsForward(KernelArgs& args);
/// Copies diffDst to diffSrc[0] (when wanted). Reference backward of Flatten/Reshape.
Status copyElementsBackward(KernelArgs& args);

}  // namespace loom
