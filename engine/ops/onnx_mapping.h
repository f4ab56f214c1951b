// How an op describes itself in ONNX: the neutral form of the nodes and initializers one Loom
// node becomes. Each op's mapping lives in its own file beside its schema (Op::toOnnx, e.g.
// ops/conv2d.cpp); engine/interop/onnx_export.cpp turns these descriptions into an
// onnx::ModelProto. Nothing here depends on ONNX's headers, so loom_engine does not link
// ONNX; the rules the mappings follow (FORMATS.md §2, docs/onnx.md) are:
//  * value names are node names: node "conv1"'s output is ONNX value "conv1";
//  * parameters become initializers named "<node>.<param>" (the .loom parameter names);
//  * every attribute a runtime might default differently is written explicitly
//    (kernel_shape, pads, strides, dilations, Softmax's axis);
//  * shapes that are inputs in ONNX (Reshape) are int64 initializers, never Shape-derived.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/attr.h"
#include "engine/ops/conv_geometry.h"

namespace loom {

class Attrs;

/// One ONNX node. Attribute values map to ONNX types as: Int and Bool -> INT, Float -> FLOAT,
/// String -> STRING, Ints -> INTS, Floats -> FLOATS.
struct OnnxNode {
  std::string opType;  ///< "Conv"
  std::string name;    ///< the Loom node's name, or "<node>/<step>" for a helper node
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  AttrMap attrs;
};

/// A constant tensor of the exported graph (F32 or I64, Plain layout).
struct OnnxInitializer {
  std::string name;
  Tensor value;
};

/// What an op's mapping sees for one node. Dims are at batch 1; the exporter makes the batch
/// dimension symbolic, so a mapping must never bake the batch size into the file.
struct OnnxExportContext {
  std::string nodeName;          ///< the Loom node's name (ONNX node names keep it)
  const Attrs* attrs = nullptr;  ///< resolved (schema defaults filled in)
  std::vector<Dims> inputDims;
  Dims outputDims;
  std::vector<std::string> inputs;  ///< ONNX value names of the node's inputs, in port order
  std::string output;               ///< ONNX value name the node's output must get
  /// Parameter values in ShapeInfo::params order (the exporter may hand a folded set, e.g. a
  /// convolution with BatchNorm folded in gets a bias even when use_bias is false).
  std::vector<Tensor> params;
  std::vector<std::string> paramNames;  ///< "<node>.<param>", same order
  int opset = 13;
};

/// The ONNX form of one Loom node.
struct OnnxFragment {
  std::vector<OnnxNode> nodes;
  std::vector<OnnxInitializer> initializers;
  /// Non-empty: the node is the identity in inference (Dropout) and writes nothing; its
  /// consumers read this value instead of ctx.output.
  std::string alias;
};

/// The opsets Loom writes (FORMATS.md §2.1): 13 (IR 7) and 17 (IR 8).
inline constexpr int kOnnxOpsets[] = {13, 17};

/// A node with one output.
OnnxNode onnxNode(std::string opType, std::string name, std::vector<std::string> inputs,
                  std::string output, AttrMap attrs = {});
/// Appends ctx.params[first..] as initializers and their names as inputs of `node`.
void appendParamInputs(const OnnxExportContext& ctx, OnnxFragment& fragment, OnnxNode& node,
                       size_t first = 0);
/// A 1-D int64 initializer.
OnnxInitializer int64Initializer(std::string name, const std::vector<std::int64_t>& values);
/// kernel_shape, strides, pads ([top, left, bottom, right] = ONNX's [x1_b, x2_b, x1_e, x2_e])
/// and, when `withDilations`, dilations of a resolved window.
AttrMap onnxWindowAttrs(const Window2D& window, bool withDilations);
/// The fragment of an op whose ONNX form is one node of `opType` with the node's inputs.
OnnxFragment singleOnnxNode(const OnnxExportContext& ctx, std::string opType, AttrMap attrs = {});

}  // namespace loom
