#include "engine/ops/dropout.h"

#include "engine/core/rng.h"
#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

// Fills `mask` with 0 or 1 / (1 - rate) per element from the stream `key`.
void drawMask(Tensor& mask, double rate, std::uint64_t key) {
  Philox rng(key);
  const float r = static_cast<float>(rate);
  const float scale = static_cast<float>(1.0 / (1.0 - rate));
  float* m = mask.f32();
  for (std::int64_t i = 0; i < mask.numel(); ++i) m[i] = rng.uniform() >= r ? scale : 0.0f;
}

class DropoutOp final : public Op {
 public:
  DropoutOp() {
    m_schema.name = "Dropout";
    m_schema.category = "Regularization";
    m_schema.doc =
        "Zeroes each element with probability `rate` during training and scales the "
        "rest by 1 / (1 - rate); identity in inference.";
    m_schema.inputNames = {"input"};
    AttrSpec rate = floatAttr("rate", 0.5, 0.0, 1.0, "probability of dropping, in [0, 1)");
    m_schema.attrs = {rate};
  }

  const OpSchema& schema() const override { return m_schema; }
  bool hasTrainingMode() const override { return true; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    const double rate = attrs.f("rate");
    if (!(rate < 1.0))
      return invalidArgument("attribute \"rate\" = " + attrToString(rate) +
                             " must be below 1 (range [0, 1))");
    ShapeInfo info;
    info.output = inputs.at(0);
    return info;
  }

  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    c.flops = numElements(info.output);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    const double rate = args.attrs->f("rate");
    if (!args.training || rate == 0.0) {
      args.dst->copyFrom(src);
      return Status::ok();
    }
    Tensor local;
    Tensor* mask = &local;
    if (args.saved) {
      if (args.saved->size() != 1 || (*args.saved)[0].dims() != src.dims())
        args.saved->assign(1, Tensor(src.dims()));
      mask = &(*args.saved)[0];
    } else {
      local = Tensor(src.dims());
    }
    drawMask(*mask, rate, args.rngKey);
    const float* x = src.f32();
    const float* m = mask->f32();
    float* y = args.dst->f32();
    for (std::int64_t i = 0; i < src.numel(); ++i) y[i] = x[i] * m[i];
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    Tensor* dxT = diffSrcAt(args, 0);
    if (!dxT) return Status::ok();
    const double rate = args.attrs->f("rate");
    if (!args.training || rate == 0.0) {
      dxT->copyFrom(*args.diffDst);
      return Status::ok();
    }
    Tensor mask;
    if (args.saved && args.saved->size() == 1 && (*args.saved)[0].dims() == dxT->dims()) {
      mask = (*args.saved)[0];
    } else {
      mask = Tensor(dxT->dims());
      drawMask(mask, rate, args.rngKey);
    }
    const float* dy = args.diffDst->f32();
    const float* m = mask.f32();
    float* dx = dxT->f32();
    for (std::int64_t i = 0; i < dxT->numel(); ++i) dx[i] = dy[i] * m[i];
    return Status::ok();
  }

  // The identity in inference: left out of the file (a bool training_mode input would not
  // load in OpenCV 4.6, FORMATS.md §2.4); consumers read the input directly.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out.alias = ctx.inputs.at(0);
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeDropoutOp() {
  return std::make_unique<DropoutOp>();
}

}  // namespace loom
