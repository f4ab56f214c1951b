// NodeStats: what the graph editor shows on a node while a run trains — summary numbers of
// one tapped step's activation (the node's output) and of the gradient arriving at it.
//
// Computed on the training thread from the Trainer's taps (Trainer::setTap); one pass over
// each tensor in double precision. These are reductions for display, not training math; if
// the engine grows a tensor-summary API (engine/events' histograms from taps), this moves
// there.
#pragma once

#include <QHash>
#include <QMetaType>
#include <QString>
#include <cstdint>

namespace loom {
class Tensor;
}

namespace loom::studio {

struct NodeStats {
  // ---- activation (forward output) ----
  std::int64_t count = 0;      ///< elements of the output
  double mean = 0;             ///< over the finite elements
  double std = 0;              ///< population standard deviation, finite elements
  double zeroFraction = 0;     ///< elements exactly 0 (a ReLU's dead units), in [0, 1]
  std::int64_t nonFinite = 0;  ///< NaN or ±Inf elements of the output
  // ---- gradient at the output (backward) ----
  bool hasGradient = false;
  double gradNorm = 0;             ///< L2 norm over the finite elements
  std::int64_t gradNonFinite = 0;  ///< NaN or ±Inf elements of the gradient

  bool isFinite() const { return nonFinite == 0 && gradNonFinite == 0; }
};

using NodeStatsMap = QHash<QString, NodeStats>;

/// Adds the summary of `value` to `stats`: the activation fields when !isGradient, the
/// gradient fields otherwise. Non-F32 tensors are ignored.
void summarizeTensor(const Tensor& value, bool isGradient, NodeStats& stats);

}  // namespace loom::studio

Q_DECLARE_METATYPE(loom::studio::NodeStats)
Q_DECLARE_METATYPE(loom::studio::NodeStatsMap)
