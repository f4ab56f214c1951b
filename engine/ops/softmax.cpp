#include "engine/ops/softmax.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

// [outer, len, inner] view of a tensor around the softmax axis.
struct AxisView {
  std::int64_t outer = 1, len = 1, inner = 1;
};

AxisView axisView(const Dims& dims, int axis) {
  AxisView v;
  for (int i = 0; i < axis; ++i) v.outer *= dims[static_cast<size_t>(i)];
  v.len = dims[static_cast<size_t>(axis)];
  v.inner = productFrom(dims, static_cast<size_t>(axis) + 1);
  return v;
}

// Softmax of the strided vector x[0], x[xStride], ... (len elements) into y[j * yStride].
void softmaxLine(const float* x, std::int64_t xStride, float* y, std::int64_t yStride,
                 std::int64_t len) {
  float m = x[0];
  for (std::int64_t j = 1; j < len; ++j) m = std::max(m, x[j * xStride]);
  double sum = 0;
  for (std::int64_t j = 0; j < len; ++j) {
    y[j * yStride] = std::exp(x[j * xStride] - m);
    sum += y[j * yStride];
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (std::int64_t j = 0; j < len; ++j) y[j * yStride] *= inv;
}

class SoftmaxOp final : public Op {
 public:
  SoftmaxOp() {
    m_schema.name = "Softmax";
    m_schema.category = "Activation";
    m_schema.doc = "exp(x) / sum(exp(x)) along `axis` (1 = classes/channels, -1 = last).";
    m_schema.inputNames = {"input"};
    m_schema.attrs = {intAttr("axis", 1, std::nullopt, std::nullopt,
                              "axis to normalise over; negative counts from the end")};
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(attrs.i("axis"), inputs.at(0), "axis"));
    (void)axis;
    ShapeInfo info;
    info.output = inputs.at(0);
    return info;
  }

  // max, subtract, exp, sum, scale: charged as 5 per element.
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    c.flops = 5 * numElements(info.output);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(args.attrs->i("axis"), src.dims(), "axis"));
    const AxisView v = axisView(src.dims(), axis);
    for (std::int64_t o = 0; o < v.outer; ++o)
      for (std::int64_t i = 0; i < v.inner; ++i) {
        const std::int64_t base = o * v.len * v.inner + i;
        softmaxLine(src.f32() + base, v.inner, args.dst->f32() + base, v.inner, v.len);
      }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    Tensor* dxT = diffSrcAt(args, 0);
    if (!dxT) return Status::ok();
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(args.attrs->i("axis"), src.dims(), "axis"));
    const AxisView v = axisView(src.dims(), axis);
    std::vector<float> y(static_cast<size_t>(v.len));
    const float* dy = args.diffDst->f32();
    float* dx = dxT->f32();
    for (std::int64_t o = 0; o < v.outer; ++o)
      for (std::int64_t i = 0; i < v.inner; ++i) {
        const std::int64_t base = o * v.len * v.inner + i;
        softmaxLine(src.f32() + base, v.inner, y.data(), 1, v.len);
        // dx = y * (dy - sum(dy * y))
        double dot = 0;
        for (std::int64_t j = 0; j < v.len; ++j)
          dot += dy[base + j * v.inner] * y[static_cast<size_t>(j)];
        for (std::int64_t j = 0; j < v.len; ++j)
          dx[base + j * v.inner] =
              y[static_cast<size_t>(j)] * (dy[base + j * v.inner] - static_cast<float>(dot));
      }
    return Status::ok();
  }

  // The axis is always written: OpenCV 4.6 ignores the opset-13 default (FORMATS.md §2.4).
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(ctx.attrs->i("axis"), ctx.outputDims, "axis"));
    out = singleOnnxNode(ctx, "Softmax", {{"axis", std::int64_t{axis}}});
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeSoftmaxOp() {
  return std::make_unique<SoftmaxOp>();
}

}  // namespace loom
