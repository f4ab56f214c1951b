#include "engine/ops/dense.h"

#include <algorithm>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

class DenseOp final : public Op {
 public:
  DenseOp() {
    m_schema.name = "Dense";
    m_schema.category = "Core";
    m_schema.doc =
        "Fully connected layer: y = x W^T + b. Takes [N, features]; flatten images "
        "first.";
    m_schema.inputNames = {"input"};
    m_schema.attrs = {
        intAttr("units", std::nullopt, 1, std::nullopt, "number of output features"),
    };
    for (AttrSpec& a : weightsAndBiasAttrs("add a learned bias"))
      m_schema.attrs.push_back(std::move(a));
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    const Dims& in = inputs.at(0);
    if (in.size() != 2)
      return shapeMismatch("input 0 has shape " + dimsToString(in) +
                           " but Dense needs [N, features]; add a Flatten before it");
    const std::int64_t units = attrs.i("units"), features = in[1];
    ShapeInfo info;
    info.output = {in[0], units};
    addWeightsAndBias(info, attrs, {units, features}, units, features, units);
    return info;
  }

  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    const std::int64_t n = info.output[0], units = info.output[1], features = inputs.at(0)[1];
    c.flops = 2 * n * units * features + (attrs.b("use_bias") ? n * units : 0);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    const std::int64_t n = src.dim(0), features = src.dim(1), units = args.dst->dim(1);
    const float* x = src.f32();
    const float* w = args.params[0]->f32();
    const float* b = args.params.size() > 1 ? args.params[1]->f32() : nullptr;
    float* y = args.dst->f32();
    for (std::int64_t i = 0; i < n; ++i) {
      const float* xi = x + i * features;
      for (std::int64_t u = 0; u < units; ++u) {
        const float* wu = w + u * features;
        float acc = 0;
        for (std::int64_t f = 0; f < features; ++f) acc += xi[f] * wu[f];
        y[i * units + u] = acc + (b ? b[u] : 0.0f);
      }
    }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    const Tensor& src = *args.src[0];
    const std::int64_t n = src.dim(0), features = src.dim(1), units = args.diffDst->dim(1);
    const float* x = src.f32();
    const float* w = args.params[0]->f32();
    const float* dy = args.diffDst->f32();
    if (Tensor* dx = diffSrcAt(args, 0)) {
      dx->zero();
      float* pdx = dx->f32();
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t u = 0; u < units; ++u) {
          const float g = dy[i * units + u];
          const float* wu = w + u * features;
          float* dxi = pdx + i * features;
          for (std::int64_t f = 0; f < features; ++f) dxi[f] += g * wu[f];
        }
    }
    if (Tensor* dw = diffParamAt(args, 0)) {
      dw->zero();
      float* pdw = dw->f32();
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t u = 0; u < units; ++u) {
          const float g = dy[i * units + u];
          const float* xi = x + i * features;
          float* dwu = pdw + u * features;
          for (std::int64_t f = 0; f < features; ++f) dwu[f] += g * xi[f];
        }
    }
    if (Tensor* db = diffParamAt(args, 1)) {
      db->zero();
      float* pdb = db->f32();
      for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t u = 0; u < units; ++u) pdb[u] += dy[i * units + u];
    }
    return Status::ok();
  }

  // Gemm with B = W [units, features] and transB = 1, alpha = beta = 1 written out: OpenCV
  // 4.6 fails on transB = 0 and ignores alpha/beta (FORMATS.md §2.4).
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Gemm", {{"transB", std::int64_t{1}}, {"alpha", 1.0}, {"beta", 1.0}});
    appendParamInputs(ctx, out, out.nodes[0]);
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeDenseOp() {
  return std::make_unique<DenseOp>();
}

}  // namespace loom
