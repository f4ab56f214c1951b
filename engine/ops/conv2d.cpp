#include "engine/ops/conv2d.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

Expected<Window2D> conv2dWindow(const Dims& input, const Attrs& attrs) {
  const auto& k = attrs.ints("kernel_size");
  const auto& s = attrs.ints("stride");
  const auto& d = attrs.ints("dilation");
  const auto& p = attrs.ints("pads");
  const PaddingMode mode = parsePaddingMode(attrs.s("padding")).value_or(PaddingMode::Valid);
  return computeWindow2D(input.at(2), input.at(3), {k[0], k[1]}, {s[0], s[1]}, {d[0], d[1]}, mode,
                         {p[0], p[1], p[2], p[3]});
}

namespace {

struct ConvDims {
  std::int64_t n, c, k, groups, cg, kg;  // cg/kg: channels/filters per group
  Window2D win;
};

ConvDims convDims(const Tensor& src, const Tensor& weights, const Attrs& attrs, const Window2D& w) {
  ConvDims d;
  d.n = src.dim(0);
  d.c = src.dim(1);
  d.k = weights.dim(0);
  d.groups = attrs.i("groups");
  d.cg = d.c / d.groups;
  d.kg = d.k / d.groups;
  d.win = w;
  return d;
}

class Conv2DOp final : public Op {
 public:
  Conv2DOp() {
    m_schema.name = "Conv2D";
    m_schema.category = "Convolution";
    m_schema.doc =
        "2-D convolution over [N, C, H, W] with `filters` output channels. Padding "
        "\"same\" keeps ceil(size / stride) like TensorFlow; \"explicit\" uses `pads`.";
    m_schema.inputNames = {"input"};
    m_schema.attrs = {
        intAttr("filters", std::nullopt, 1, std::nullopt, "number of output channels"),
        intsAttr("kernel_size", std::nullopt, 2, 1, "[kH, kW]"),
        intsAttr("stride", std::vector<std::int64_t>{1, 1}, 2, 1, "[sH, sW]"),
        stringAttr("padding", "valid", {"valid", "same", "explicit"},
                   "valid: none; same: TensorFlow's rule; explicit: `pads`"),
        intsAttr("pads", std::vector<std::int64_t>{0, 0, 0, 0}, 4, 0,
                 "[top, left, bottom, right], used when padding is explicit"),
        intsAttr("dilation", std::vector<std::int64_t>{1, 1}, 2, 1, "[dH, dW]"),
        intAttr("groups", 1, 1, std::nullopt,
                "channel groups; channels and filters must both be divisible by it"),
    };
    for (AttrSpec& a : weightsAndBiasAttrs("add a learned bias per filter"))
      m_schema.attrs.push_back(std::move(a));
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    const Dims& in = inputs.at(0);
    if (in.size() != 4)
      return shapeMismatch("input 0 has shape " + dimsToString(in) +
                           " but Conv2D needs [N, C, H, W]");
    const std::int64_t channels = in[1], filters = attrs.i("filters"), groups = attrs.i("groups");
    if (channels % groups != 0)
      return invalidArgument("attribute \"groups\" = " + std::to_string(groups) +
                             " does not divide the input channels " + std::to_string(channels) +
                             " (input shape " + dimsToString(in) + ")");
    if (filters % groups != 0)
      return invalidArgument("attribute \"groups\" = " + std::to_string(groups) +
                             " does not divide attribute \"filters\" = " + std::to_string(filters));
    LOOM_ASSIGN_OR_RETURN(Window2D w, conv2dWindow(in, attrs));
    const std::int64_t kH = w.kH, kW = w.kW;
    ShapeInfo info;
    info.output = {in[0], filters, w.outH, w.outW};
    // Saturating products: a hostile shape must reach the size check, not overflow here.
    const std::int64_t fanIn = numElements({channels / groups, kH, kW});
    const std::int64_t fanOut = numElements({filters / groups, kH, kW});
    addWeightsAndBias(info, attrs, {filters, channels / groups, kH, kW}, filters, fanIn, fanOut);
    return info;
  }

  // Counts every tap of every window, padding included (the usual convention).
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    const Dims& w = info.params[0].dims;
    const std::int64_t outputs = numElements(info.output);
    c.flops = numElements({2, outputs, w[1], w[2], w[3]});  // saturates on hostile shapes
    if (attrs.b("use_bias")) addSaturating(c.flops, outputs);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(Window2D w, conv2dWindow(src.dims(), *args.attrs));
    const ConvDims d = convDims(src, *args.params[0], *args.attrs, w);
    const std::int64_t inPlane = w.inH * w.inW, outPlane = w.outH * w.outW;
    const float* x = src.f32();
    const float* wt = args.params[0]->f32();
    const float* bias = args.params.size() > 1 ? args.params[1]->f32() : nullptr;
    float* y = args.dst->f32();
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t oc = 0; oc < d.k; ++oc) {
        const std::int64_t g = oc / d.kg;
        float* yPlane = y + (n * d.k + oc) * outPlane;
        const float b = bias ? bias[oc] : 0.0f;
        for (std::int64_t i = 0; i < outPlane; ++i) yPlane[i] = b;
        for (std::int64_t icg = 0; icg < d.cg; ++icg) {
          const float* xPlane = x + (n * d.c + g * d.cg + icg) * inPlane;
          const float* wTaps = wt + (oc * d.cg + icg) * w.kH * w.kW;
          forEachTap(w, [&](std::int64_t tap, std::int64_t oh, std::int64_t ih,
                            std::int64_t owFirst, std::int64_t owLast, std::int64_t iwFirst) {
            const float wv = wTaps[tap];
            float* yRow = yPlane + oh * w.outW;
            const float* xRow = xPlane + ih * w.inW + iwFirst;
            for (std::int64_t ow = owFirst; ow < owLast; ++ow)
              yRow[ow] += wv * xRow[(ow - owFirst) * w.strideW];
          });
        }
      }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    const Tensor& src = *args.src[0];
    LOOM_ASSIGN_OR_RETURN(Window2D w, conv2dWindow(src.dims(), *args.attrs));
    const ConvDims d = convDims(src, *args.params[0], *args.attrs, w);
    const std::int64_t inPlane = w.inH * w.inW, outPlane = w.outH * w.outW;
    const float* x = src.f32();
    const float* wt = args.params[0]->f32();
    const float* dy = args.diffDst->f32();
    Tensor* dxT = diffSrcAt(args, 0);
    Tensor* dwT = diffParamAt(args, 0);
    Tensor* dbT = diffParamAt(args, 1);
    if (dxT) dxT->zero();
    if (dwT) dwT->zero();
    if (dbT) dbT->zero();
    float* dx = dxT ? dxT->f32() : nullptr;
    float* dw = dwT ? dwT->f32() : nullptr;
    float* db = dbT ? dbT->f32() : nullptr;
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t oc = 0; oc < d.k; ++oc) {
        const std::int64_t g = oc / d.kg;
        const float* dyPlane = dy + (n * d.k + oc) * outPlane;
        if (db) {
          float acc = 0;
          for (std::int64_t i = 0; i < outPlane; ++i) acc += dyPlane[i];
          db[oc] += acc;
        }
        for (std::int64_t icg = 0; icg < d.cg; ++icg) {
          const std::int64_t plane = (n * d.c + g * d.cg + icg) * inPlane;
          const std::int64_t wOffset = (oc * d.cg + icg) * w.kH * w.kW;
          forEachTap(w, [&](std::int64_t tap, std::int64_t oh, std::int64_t ih,
                            std::int64_t owFirst, std::int64_t owLast, std::int64_t iwFirst) {
            const float* dyRow = dyPlane + oh * w.outW;
            const std::int64_t xRow = plane + ih * w.inW + iwFirst;
            if (dx) {
              const float wv = wt[wOffset + tap];
              for (std::int64_t ow = owFirst; ow < owLast; ++ow)
                dx[xRow + (ow - owFirst) * w.strideW] += wv * dyRow[ow];
            }
            if (dw) {
              float acc = 0;
              for (std::int64_t ow = owFirst; ow < owLast; ++ow)
                acc += dyRow[ow] * x[xRow + (ow - owFirst) * w.strideW];
              dw[wOffset + tap] += acc;
            }
          });
        }
      }
    return Status::ok();
  }

  // Conv with every window attribute explicit (OpenCV needs kernel_shape); "same" padding
  // becomes the explicit pads it resolves to at this input size.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    LOOM_ASSIGN_OR_RETURN(Window2D w, conv2dWindow(ctx.inputDims.at(0), *ctx.attrs));
    AttrMap a = onnxWindowAttrs(w, true);
    a["group"] = ctx.attrs->i("groups");
    out = singleOnnxNode(ctx, "Conv", std::move(a));
    appendParamInputs(ctx, out, out.nodes[0]);
    return Status::ok();
  }

 private:
  // Calls fn(tap, oh, ih, owFirst, owLast, iwFirst) for every kernel tap (kh, kw) and every
  // output row whose input row is inside the image; [owFirst, owLast) are the output columns
  // whose input column is inside, the first of them reading input column iwFirst.
  template <class Fn>
  static void forEachTap(const Window2D& w, Fn&& fn) {
    for (std::int64_t kh = 0; kh < w.kH; ++kh) {
      const auto rows = validOutputRange(w.outH, w.inH, w.strideH, w.padTop, kh * w.dilationH);
      for (std::int64_t kw = 0; kw < w.kW; ++kw) {
        const auto cols = validOutputRange(w.outW, w.inW, w.strideW, w.padLeft, kw * w.dilationW);
        if (cols[0] >= cols[1]) continue;
        const std::int64_t iwFirst = cols[0] * w.strideW - w.padLeft + kw * w.dilationW;
        for (std::int64_t oh = rows[0]; oh < rows[1]; ++oh) {
          const std::int64_t ih = oh * w.strideH - w.padTop + kh * w.dilationH;
          fn(kh * w.kW + kw, oh, ih, cols[0], cols[1], iwFirst);
        }
      }
    }
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeConv2DOp() {
  return std::make_unique<Conv2DOp>();
}

}  // namespace loom
