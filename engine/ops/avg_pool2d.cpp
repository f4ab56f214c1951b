#include "engine/ops/avg_pool2d.h"

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
                  [&](std::int64_t out, std::int64_t inBase, const Span& s) {
                    float acc = 0;
                    for (std::int64_t ih = s.hBegin; ih < s.hEnd; ++ih)
                      for (std::int64_t iw = s.wBegin; iw < s.wEnd; ++iw)
                        acc += x[inBase + ih * w.inW + iw];
                    y[out] = acc * s.scale;
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
                  [&](std::int64_t out, std::int64_t inBase, const Span& s) {
                    const float g = dy[out] * s.scale;
                    for (std::int64_t ih = s.hBegin; ih < s.hEnd; ++ih)
                      for (std::int64_t iw = s.wBegin; iw < s.wEnd; ++iw)
                        dx[inBase + ih * w.inW + iw] += g;
                  });
    return Status::ok();
  }

 private:
  // The part of one window inside the input and the factor 1 / divisor.
  struct Span {
    std::int64_t hBegin, hEnd, wBegin, wEnd;
    float scale;
  };

  // Calls fn(outputIndex, planeBase, span) for every output element.
  template <class Fn>
  static void forEachWindow(const Tensor& src, const Window2D& w, bool countPad, Fn&& fn) {
    const std::int64_t planes = src.dim(0) * src.dim(1);
    for (std::int64_t p = 0; p < planes; ++p)
      for (std::int64_t oh = 0; oh < w.outH; ++oh) {
        const std::int64_t h0 = oh * w.strideH - w.padTop;
        for (std::int64_t ow = 0; ow < w.outW; ++ow) {
          const std::int64_t w0 = ow * w.strideW - w.padLeft;
          Span s;
          s.hBegin = std::max<std::int64_t>(h0, 0);
          s.hEnd = std::min(h0 + w.kH, w.inH);
          s.wBegin = std::max<std::int64_t>(w0, 0);
          s.wEnd = std::min(w0 + w.kW, w.inW);
          // pool2dWindow guarantees at least one input element per window.
          const std::int64_t count =
              countPad ? w.kH * w.kW : (s.hEnd - s.hBegin) * (s.wEnd - s.wBegin);
          s.scale = 1.0f / static_cast<float>(count);
          fn((p * w.outH + oh) * w.outW + ow, p * w.inH * w.inW, s);
        }
      }
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeAvgPool2DOp() {
  return std::make_unique<AvgPool2DOp>();
}

}  // namespace loom
