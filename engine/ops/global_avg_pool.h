// GlobalAvgPool: mean over H and W, [N, C, H, W] -> [N, C].
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeGlobalAvgPoolOp();

}  // namespace loom
