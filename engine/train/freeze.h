// Freezing for transfer learning (training.freeze_until; docs/transfer-learning.md).
//
// `training.freeze_until: "pool2"` freezes pool2 and every node it depends on (towards the
// inputs). A frozen node's parameters are not trainable for the run: no gradient is computed
// or applied, the optimizer keeps no state for them, and gradient clipping and synchronisation
// leave them out, so they end the run byte-identical to how it started (as PyTorch's
// requires_grad=False). Frozen nodes also run their forward in inference mode, as Keras runs a
// frozen base (`base(x, training=False)`): a frozen BatchNorm normalises with its running
// statistics and never updates them, a frozen Dropout passes its input through. Because the
// frozen set is closed towards the inputs, no frozen node needs a backward pass at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/exec/parameters.h"
#include "engine/graph/graph.h"

namespace loom {

/// What training.freeze_until freezes in one model.
struct FrozenSet {
  std::string until;               ///< the setting's value; empty: nothing frozen
  std::vector<std::string> nodes;  ///< `until` and its ancestors, in file order
  std::int64_t parameters = 0;     ///< elements of the frozen parameters (buffers included)
  std::int64_t tensors = 0;        ///< frozen parameter tensors (buffers included)
};

/// The nodes `freezeUntil` freezes in `graph` (no parameters counted yet). Empty name: an empty
/// set. InvalidArgument naming the node and listing near names when no node has that name:
///   training.freeze_until "pool9" names no node of the model; near names: pool1, pool2
Expected<FrozenSet> resolveFrozenSet(const Graph& graph, const std::string& freezeUntil);

/// Marks every parameter of the frozen nodes not trainable and drops its gradient tensor, and
/// counts them into `frozen`. Call before compiling plans and creating optimizer state.
/// InvalidArgument when nothing trainable is left (freezing the whole model trains nothing).
Status freezeParameters(ParameterSet& params, FrozenSet& frozen);

/// One line for messages and the model summary: "frozen up to \"pool2\": 6 nodes (conv1, ...),
/// 4 tensors, 52096 parameters"; empty when nothing is frozen.
std::string frozenSummary(const FrozenSet& frozen);

}  // namespace loom
