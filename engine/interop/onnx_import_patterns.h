// Multi-node ONNX patterns that the importer reads back as one Loom node (docs/onnx.md,
// "Import"). Today one op: GELU, which ONNX before opset 20 can only write as its formula,
//   approximate none: 0.5 * x * (1 + Erf(x / sqrt 2))
//   approximate tanh: 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
// in the node orders Loom's exporter (ops/gelu.cpp) and torch.onnx (1.13, opset 13) write.
//
// A match is exact or nothing: every constant is a FLOAT scalar ([] or [1], initializer or
// Constant node) within 1e-6 relative of the formula's value (x^3's exponent exactly 3),
// every intermediate value has exactly one reader and is no graph output, and all nodes are
// in ONNX's default domain. A near miss is left alone, so its nodes are refused one by one
// as before; the scan says why it did not match.
#pragma once

#include <string>
#include <vector>

#include "engine/ops/attr.h"

namespace onnx {
class GraphProto;
}

namespace loom {

struct OnnxPatternMatch {
  std::string op;      ///< the Loom op: "GELU"
  AttrMap attrs;       ///< {"approximate": "none" | "tanh"}
  std::string input;   ///< the ONNX value the pattern reads (x)
  std::string output;  ///< the ONNX value it computes
  /// The name to keep: the nodes' common scope ("act" of "act/erf" and "act", "/act" of
  /// torch's "/act/Erf" and "/act/Mul_1"), else the first node's name (maybe empty).
  std::string name;
  int last = -1;  ///< index in GraphProto.node of the node computing `output`
  /// Every node the match replaces (indices in GraphProto.node): `last`, the arithmetic before
  /// it, and the Constant nodes nothing outside the pattern reads.
  std::vector<int> nodes;
  std::string summary;  ///< one line for the import notes
};

struct OnnxPatternScan {
  std::vector<OnnxPatternMatch> matches;  ///< disjoint
  /// One line per Erf, or Tanh fed by a Mul, that is not part of a match, saying which step
  /// failed, e.g. `node "g/erf" (Erf): not read as GELU: the constant of node "g" (Mul) is
  /// 0.6, GELU's is 0.5`.
  std::vector<std::string> nearMisses;
};

/// Scans a graph the importer has already checked (acyclic, every value defined once).
OnnxPatternScan findOnnxPatterns(const onnx::GraphProto& graph);

}  // namespace loom
