// NodeStats: what the graph editor shows on a node while a run trains: summary numbers of one
// tapped step's activation (the node's output) and of the gradient arriving at it (docs/
// dashboard.md, "The graph editor while training").
//
//   NodeStats s;
//   trainer.setTap([&](const std::string& node, const Tensor& t, bool isGradient) {
//     summarizeTensor(t, isGradient, stats[node]);
//   });
//
// One pass over each tensor in double precision, on the thread that calls it (the training
// thread, inside the tap). Tested against NumPy (tests/engine/train/node_stats_test.cpp).
#pragma once

#include <cstdint>

namespace loom {

class Tensor;

struct NodeStats {
  // ---- activation (forward output) ----
  std::int64_t count = 0;      ///< elements of the output
  double mean = 0;             ///< over the finite elements (0 when there are none)
  double std = 0;              ///< population standard deviation of the finite elements
  double zeroFraction = 0;     ///< elements exactly 0 over all elements (dead ReLU units)
  std::int64_t nonFinite = 0;  ///< NaN or ±Inf elements of the output
  // ---- gradient at the output (backward) ----
  bool hasGradient = false;
  double gradNorm = 0;             ///< L2 norm over the finite elements
  std::int64_t gradNonFinite = 0;  ///< NaN or ±Inf elements of the gradient

  bool isFinite() const { return nonFinite == 0 && gradNonFinite == 0; }
};

/// Adds the summary of `value` to `stats`: the activation fields when !isGradient, the
/// gradient fields otherwise. Tensors that are not F32 leave `stats` unchanged.
void summarizeTensor(const Tensor& value, bool isGradient, NodeStats& stats);

}  // namespace loom
