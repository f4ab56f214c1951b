#include "engine/ops/add.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

class AddOp final : public Op {
 public:
  AddOp() {
    m_schema.name = "Add";
    m_schema.category = "Merge";
    m_schema.doc = "Element-wise sum of two or more inputs of the same shape.";
    m_schema.inputNames = {"input"};
    m_schema.minInputs = 2;
    m_schema.maxInputs = -1;
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs, const Attrs&) const override {
    if (inputs.size() < 2)
      return invalidArgument("Add takes at least 2 inputs, got " + std::to_string(inputs.size()));
    for (size_t i = 1; i < inputs.size(); ++i)
      if (inputs[i] != inputs[0])
        return shapeMismatch(shapePairMessage(i, inputs[i], 0, inputs[0]));
    ShapeInfo info;
    info.output = inputs[0];
    return info;
  }

  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    c.flops = numElements(info.output) * static_cast<std::int64_t>(inputs.size() - 1);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    float* y = args.dst->f32();
    const std::int64_t n = args.dst->numel();
    const float* x0 = args.src[0]->f32();
    for (std::int64_t i = 0; i < n; ++i) y[i] = x0[i];
    for (size_t k = 1; k < args.src.size(); ++k) {
      const float* xk = args.src[k]->f32();
      for (std::int64_t i = 0; i < n; ++i) y[i] += xk[i];
    }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    for (size_t k = 0; k < args.diffSrc.size(); ++k)
      if (Tensor* dx = args.diffSrc[k]) dx->copyFrom(*args.diffDst);
    return Status::ok();
  }

  // ONNX's Add takes two inputs: a chain, the last step named after the node.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    std::string acc = ctx.inputs.at(0);
    for (size_t i = 1; i < ctx.inputs.size(); ++i) {
      const bool last = i + 1 == ctx.inputs.size();
      const std::string name = last ? ctx.nodeName : ctx.nodeName + "/add" + std::to_string(i);
      const std::string value = last ? ctx.output : ctx.output + "/add" + std::to_string(i);
      out.nodes.push_back(onnxNode("Add", name, {acc, ctx.inputs[i]}, value));
      acc = value;
    }
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeAddOp() {
  return std::make_unique<AddOp>();
}

}  // namespace loom
