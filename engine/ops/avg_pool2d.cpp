#include "engine/ops/avg_pool2d.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/pool2d_common.h"

namespace loom {

namespace {

class AvgPool2DOp final : public Op {
 public:
  AvgPool2DOp() {
    m_schema.name = "AvgPool2D";
    m_schema.category = "Pooling";
    m_schema.doc =
        "Mean over pool_size windows of [N, C, H, W]. Stride defaults to the pool "
        "size; padding is excluded from the mean unless count_include_pad.";
    m_schema.inputNames = {"input"};
    m_schema.attrs = pool2dAttrs();
    m_schema.attrs.push_back(boolAttr("count_include_pad", false,
                                      "divide by the full window size, counting padding as zeros"));
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    return pool2dInferShapes(inputs, attrs, "AvgPool2D");
  }

  // One add per window element and one divide per output.
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    const auto& k = attrs.ints("pool_size");
    c.flops = numElements(info.output) * (k[0] * k[1] + 1);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(src.dims(), *args.attrs));
    const float* x = src.f32();
    float* y = args.dst->f32();
    forEachWindow(src, w, args.attrs->b("count_include_pad"),
                  [&](std::int64_t out, std::int64_t inBase, const PoolSpan& s, float scale) {
                    float acc = 0;
                    for (std::int64_t ih = s.hBegin; ih < s.hEnd; ++ih)
                      for (std::int64_t iw = s.wBegin; iw < s.wEnd; ++iw)
                        acc += x[inBase + ih * w.inW + iw];
                    y[out] = acc * scale;
                  });
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
    forEachWindow(src, w, args.attrs->b("count_include_pad"),
                  [&](std::int64_t out, std::int64_t inBase, const PoolSpan& s, float scale) {
                    const float g = dy[out] * scale;
                    for (std::int64_t ih = s.hBegin; ih < s.hEnd; ++ih)
                      for (std::int64_t iw = s.wBegin; iw < s.wEnd; ++iw)
                        dx[inBase + ih * w.inW + iw] += g;
                  });
    return Status::ok();
  }

  // count_include_pad = 1 with padding is refused: OpenCV 4.6 ignores the attribute and
  // decides by producer name (FORMATS.md §2.4), so the file would serve wrong numbers there.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    LOOM_ASSIGN_OR_RETURN(Window2D w, pool2dWindow(ctx.inputDims.at(0), *ctx.attrs));
    const bool padded = w.padTop || w.padLeft || w.padBottom || w.padRight;
    if (ctx.attrs->b("count_include_pad") && padded)
      return unsupported(
          "attribute \"count_include_pad\" = true with padding: OpenCV 4.6 ignores ONNX's "
          "count_include_pad and would divide by the inside count; set it to false or pad 0");
    AttrMap a = onnxWindowAttrs(w, false);
    a["ceil_mode"] = std::int64_t{0};
    a["count_include_pad"] = std::int64_t{0};
    out = singleOnnxNode(ctx, "AveragePool", std::move(a));
    return Status::ok();
  }

 private:
  // Calls fn(outputIndex, planeBase, span, 1 / divisor) for every output element.
  template <class Fn>
  static void forEachWindow(const Tensor& src, const Window2D& w, bool countPad, Fn&& fn) {
    forEachPoolWindow(src, w, [&](std::int64_t out, std::int64_t inBase, const PoolSpan& s) {
      const std::int64_t count = countPad ? w.kH * w.kW : (s.hEnd - s.hBegin) * (s.wEnd - s.wBegin);
      fn(out, inBase, s, 1.0f / static_cast<float>(count));
    });
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeAvgPool2DOp() {
  return std::make_unique<AvgPool2DOp>();
}

}  // namespace loom
