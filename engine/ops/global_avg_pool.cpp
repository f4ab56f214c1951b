#include "engine/ops/global_avg_pool.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

class GlobalAvgPoolOp final : public Op {
 public:
  GlobalAvgPoolOp() {
    m_schema.name = "GlobalAvgPool";
    m_schema.category = "Pooling";
    m_schema.doc = "Mean of each channel over all positions: [N, C, H, W] -> [N, C].";
    m_schema.inputNames = {"input"};
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs, const Attrs&) const override {
    const Dims& in = inputs.at(0);
    if (in.size() != 4)
      return shapeMismatch("input 0 has shape " + dimsToString(in) +
                           " but GlobalAvgPool needs [N, C, H, W]");
    ShapeInfo info;
    info.output = {in[0], in[1]};
    return info;
  }

  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    c.flops = numElements(inputs.at(0)) + numElements(info.output);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    const std::int64_t planes = src.dim(0) * src.dim(1), area = src.dim(2) * src.dim(3);
    const float* x = src.f32();
    float* y = args.dst->f32();
    for (std::int64_t p = 0; p < planes; ++p) {
      float acc = 0;
      for (std::int64_t i = 0; i < area; ++i) acc += x[p * area + i];
      y[p] = acc / static_cast<float>(area);
    }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    Tensor* dxT = diffSrcAt(args, 0);
    if (!dxT) return Status::ok();
    const std::int64_t planes = dxT->dim(0) * dxT->dim(1), area = dxT->dim(2) * dxT->dim(3);
    const float* dy = args.diffDst->f32();
    float* dx = dxT->f32();
    for (std::int64_t p = 0; p < planes; ++p) {
      const float g = dy[p] / static_cast<float>(area);
      for (std::int64_t i = 0; i < area; ++i) dx[p * area + i] = g;
    }
    return Status::ok();
  }

  // ONNX's GlobalAveragePool keeps [N, C, 1, 1]; Loom's gives [N, C], hence the Flatten.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    const std::string pooled = ctx.output + "/pooled";
    out.nodes.push_back(onnxNode("GlobalAveragePool", ctx.nodeName, ctx.inputs, pooled));
    out.nodes.push_back(onnxNode("Flatten", ctx.nodeName + "/flatten", {pooled}, ctx.output,
                                 {{"axis", std::int64_t{1}}}));
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeGlobalAvgPoolOp() {
  return std::make_unique<GlobalAvgPoolOp>();
}

}  // namespace loom
