// Format upgrades for `.loom` files, in the manner of Caffe's upgrade_proto: each step
// rewrites a message of version v into version v+1. parseModel() chains them.
#pragma once

#include "engine/core/status.h"
#include "engine/proto/loom.pb.h"

namespace loom {

/// Upgrades `model` in place from its format_version to `target`. Version 0 (unset)
/// counts as 1. Fails for versions newer than `target`.
Status upgradeModelProto(pb::Model& model, int target);

}  // namespace loom
