#include "engine/ops/onnx_mapping.h"

#include <cstring>

namespace loom {

OnnxNode onnxNode(std::string opType, std::string name, std::vector<std::string> inputs,
                  std::string output, AttrMap attrs) {
  OnnxNode n;
  n.opType = std::move(opType);
  n.name = std::move(name);
  n.inputs = std::move(inputs);
  n.outputs = {std::move(output)};
  n.attrs = std::move(attrs);
  return n;
}

void appendParamInputs(const OnnxExportContext& ctx, OnnxFragment& fragment, OnnxNode& node,
                       size_t first) {
  for (size_t i = first; i < ctx.params.size(); ++i) {
    fragment.initializers.push_back({ctx.paramNames.at(i), ctx.params[i]});
    node.inputs.push_back(ctx.paramNames[i]);
  }
}

OnnxInitializer int64Initializer(std::string name, const std::vector<std::int64_t>& values) {
  Tensor t({static_cast<std::int64_t>(values.size())}, DType::I64);
  if (!values.empty()) std::memcpy(t.raw(), values.data(), values.size() * sizeof(std::int64_t));
  return {std::move(name), std::move(t)};
}

AttrMap onnxWindowAttrs(const Window2D& w, bool withDilations) {
  AttrMap a;
  a["kernel_shape"] = std::vector<std::int64_t>{w.kH, w.kW};
  a["strides"] = std::vector<std::int64_t>{w.strideH, w.strideW};
  a["pads"] = std::vector<std::int64_t>{w.padTop, w.padLeft, w.padBottom, w.padRight};
  if (withDilations) a["dilations"] = std::vector<std::int64_t>{w.dilationH, w.dilationW};
  return a;
}

OnnxFragment singleOnnxNode(const OnnxExportContext& ctx, std::string opType, AttrMap attrs) {
  OnnxFragment f;
  f.nodes.push_back(
      onnxNode(std::move(opType), ctx.nodeName, ctx.inputs, ctx.output, std::move(attrs)));
  return f;
}

}  // namespace loom
