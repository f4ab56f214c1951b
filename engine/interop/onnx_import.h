// ONNX import (docs/onnx.md): a file written by Loom, PyTorch or another exporter becomes a
// Loom Model with its weights. The supported subset: Conv, Gemm, MatMul (+ Add of a bias),
// BatchNormalization, Relu, LeakyRelu, Elu, Sigmoid, Tanh, MaxPool, AveragePool,
// GlobalAveragePool, Flatten, Reshape, Add, Concat, Softmax, Dropout, Identity, with constant
// folding of Constant/Shape/Gather/Unsqueeze/Squeeze/Concat/Cast/Reshape on constants (so
// PyTorch's `x.view(x.size(0), -1)` becomes a Flatten), and GELU read back from its formula
// (Div/Erf/Add/Mul or the Tanh form, as Loom and torch.onnx write it; onnx_import_patterns.h).
// Anything else is refused, listing every unsupported node by name and op type.
//
// Hostile files are refused with a clear error: sizes are checked in 64-bit arithmetic and
// against the memory budget before anything is allocated, a tensor's data must match its
// dims, external data must stay inside the model's directory (no absolute paths, no "..",
// no symlink out), the graph must be acyclic and nesting is bounded.
#pragma once

#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/model.h"

namespace loom {

struct OnnxImportResult {
  Model model;
  std::vector<std::string> notes;  ///< what was folded or mapped, one line each
};

/// Imports the file at `path` (external data is resolved against its directory).
Expected<OnnxImportResult> importOnnx(const std::string& path);

/// Imports from bytes; `source` names them in messages; `baseDir` is where external data
/// would be looked up (empty: external data is refused).
Expected<OnnxImportResult> importOnnxBytes(const std::string& bytes, const std::string& source,
                                           const std::string& baseDir);

}  // namespace loom
