#include "engine/ops/flatten.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/reshape_common.h"

namespace loom {

namespace {

class FlattenOp final : public Op {
 public:
  FlattenOp() {
    m_schema.name = "Flatten";
    m_schema.category = "Shape";
    m_schema.doc = "Flattens every sample to one vector: [N, C, H, W] -> [N, C*H*W].";
    m_schema.inputNames = {"input"};
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs, const Attrs&) const override {
    const Dims& in = inputs.at(0);
    if (in.empty()) return shapeMismatch("input 0 has shape [] but Flatten needs [N, ...]");
    ShapeInfo info;
    info.output = {in[0], productFrom(in, 1)};
    return info;
  }

  Status forward(KernelArgs& args) const override { return copyElementsForward(args); }
  Status backward(KernelArgs& args) const override { return copyElementsBackward(args); }

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Flatten", {{"axis", std::int64_t{1}}});
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeFlattenOp() {
  return std::make_unique<FlattenOp>();
}

}  // namespace loom
