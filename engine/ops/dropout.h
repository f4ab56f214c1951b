// Dropout (inverted): in training each element is kept with probability 1 - rate and
// scaled by 1 / (1 - rate), else zeroed; in inference it is the identity.
//
// The mask is a pure function of args.rngKey: element i (Plain order) is kept iff the i-th
// Philox(args.rngKey).uniform() draw is >= rate. Backward applies the same mask (kept in
// args.saved when given, otherwise drawn again from the same key).
#pragma once

#include <memory>

#include "engine/ops/op.h"

namespace loom {

std::unique_ptr<Op> makeDropoutOp();

}  // namespace loom
