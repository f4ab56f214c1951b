// ONNX export of a Loom model (docs/onnx.md): pre-flight, then a ModelProto at opset 13 or 17
// with a symbolic batch dimension, BatchNorm in inference form (optionally folded into the
// preceding convolution), Dropout left out, node names kept, and preprocessing and labels in
// metadata_props. Each op's mapping lives in its own file (Op::toOnnx, ops/onnx_mapping.h);
// this file only assembles them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/graph/model.h"

namespace loom {

struct OnnxExportOptions {
  int opset = 13;  ///< 13 (IR 7) or 17 (IR 8); kOnnxOpsets in ops/onnx_mapping.h
  /// Folds each BatchNorm into the Conv2D before it (when the convolution feeds nothing else):
  /// W' = W * gamma / sqrt(var + eps), b' = (b - mean) * gamma / sqrt(var + eps) + beta.
  bool foldBatchNorm = false;
  /// Written to ModelProto.metadata_props as they are (onnx_metadata.h builds them).
  std::map<std::string, std::string> metadata;
};

/// One node the exporter cannot write, and why.
struct OnnxExportProblem {
  std::string node;
  std::string op;
  std::string reason;
};

/// Every node of `model` that cannot be exported at `options.opset`, in graph order (empty:
/// the model exports). Also reports a graph that does not analyse, a model with no or several
/// Input nodes, and an unsupported opset, as problems of node "" (the model).
std::vector<OnnxExportProblem> preflightOnnx(const Model& model, const OnnxExportOptions& options);

/// "node "fc3" (GELU): reason" lines, one per problem.
std::string describeProblems(const std::vector<OnnxExportProblem>& problems);

struct OnnxExportResult {
  std::string bytes;                     ///< the serialized ModelProto
  std::string inputName, outputName;     ///< graph input and output value names
  std::vector<std::string> foldedNodes;  ///< BatchNorm nodes folded into their convolution
  std::vector<std::string> opTypes;      ///< the ONNX operators written, sorted, once each
  int onnxNodes = 0;
  int initializers = 0;
};

/// Exports `model` with its parameters (model.parameters must hold every parameter: call
/// materializeParameters() first for an untrained model). Unsupported, listing every
/// problem of preflightOnnx(), before anything is built when the model cannot be exported.
/// The result has passed ONNX's checker and strict shape inference (onnx_check.h).
Expected<OnnxExportResult> exportOnnx(const Model& model, const OnnxExportOptions& options);

/// Fills model.parameters with every parameter the graph needs: the trained ones kept, the
/// missing ones initialised from the schema with the model's seed (as training would).
Status materializeParameters(Model& model);

}  // namespace loom
