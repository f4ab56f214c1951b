#include "engine/ops/max_pool2d.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/pool2d_common.h"

namespace loom {

namespace {

class MaxPool2DOp final : public Op {
 public:
  MaxPool2DOp() {
    m_schema.name = "MaxPool2D";
    m_schema.category = "Pooling";
    m_schema.doc =
        "Maximum over pool_size windows of [N, C, H, W]. Stride defaults to the pool "
        "size.";
    m_schema.inputNames = {"input"};
    m_schema.attrs = pool2dAttrs();
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    return pool2dInferShapes(inputs, attrs, "MaxPool2D");
  }

  // One comparison per window element.
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    const auto& k = attrs.ints("pool_size");
    c.flops = numElements(info.output) * k[0] * k[1];
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(src.dims(), *args.attrs));
    const float* x = src.f32();
    float* y = args.dst->f32();
    forEachArgmax(src, w, [&](std::int64_t out, std::int64_t in) { y[out] = x[in]; });
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    Tensor* dxT = diffSrcAt(args, 0);
    if (!dxT) return Status::ok();
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(src.dims(), *args.attrs));
    dxT->zero();
    float* dx = dxT->f32();
    const float* dy = args.diffDst->f32();
    forEachArgmax(src, w, [&](std::int64_t out, std::int64_t in) { dx[in] += dy[out]; });
    return Status::ok();
  }

  // Padding never wins a max (ONNX pads MaxPool with -inf), so pads carry over as they are.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(ctx.inputDims.at(0), *ctx.attrs));
    AttrMap a = onnxWindowAttrs(w, false);
    a["ceil_mode"] = std::int64_t{0};
    out = singleOnnxNode(ctx, "MaxPool", std::move(a));
    return Status::ok();
  }

 private:
  // Calls fn(outputIndex, argmaxInputIndex) for every output element (flat Plain indices).
  template <class Fn>
  static void forEachArgmax(const Tensor& src, const Window2D& w, Fn&& fn) {
    const float* x = src.f32();
    forEachPoolWindow(src, w, [&](std::int64_t out, std::int64_t inBase, const PoolSpan& s) {
      std::int64_t best = inBase + s.hBegin * w.inW + s.wBegin;
      for (std::int64_t ih = s.hBegin; ih < s.hEnd; ++ih)
        for (std::int64_t iw = s.wBegin; iw < s.wEnd; ++iw) {
          const std::int64_t idx = inBase + ih * w.inW + iw;
          if (x[idx] > x[best]) best = idx;  // strict: the first maximum wins
        }
      fn(out, best);
    });
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeMaxPool2DOp() {
  return std::make_unique<MaxPool2DOp>();
}

}  // namespace loom
