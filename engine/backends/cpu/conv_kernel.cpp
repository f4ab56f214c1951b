// Conv2D on oneDNN convolution: NHWC activations, weights in the primitive's preferred
// format (reordered from Plain once per step in forward and reused by backward-data),
// groups, dilation, asymmetric pads.
#include "engine/backends/cpu/conv_narrow_input.h"
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/backends/cpu/weighted_kernel.h"
#include "engine/ops/conv2d.h"

namespace loom::cpu {

namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;

class ConvKernel final : public WeightedKernel<convolution_forward, convolution_backward_data,
                                               convolution_backward_weights> {
 public:
  ConvKernel(const KernelRequest& r, const Window2D& w, std::int64_t groups)
      : WeightedKernel(r, Layout::NHWC, "Conv2D") {
    const Dims& src = r.inputDims[0];
    const Dims& dst = r.shape->output;
    const Dims& plainW = r.shape->params[0].dims;  // [O, I/G, kH, kW]
    // oneDNN wants grouped weights as [G, O/G, I/G, kH, kW]: the same bytes as Loom's.
    const Dims weights =
        groups == 1 ? plainW : Dims{groups, plainW[0] / groups, plainW[1], plainW[2], plainW[3]};
    WeightedDescs md;
    md.src = tensorDesc(src, Layout::NHWC);
    md.dst = tensorDesc(dst, Layout::NHWC);
    md.bias = hasBias() ? plainDesc({dst[1]}) : memory::desc();
    md.userWeights = plainDesc(weights);
    const memory::dims strides{w.strideH, w.strideW};
    const memory::dims dilates{w.dilationH - 1, w.dilationW - 1};  // oneDNN counts gaps
    const memory::dims padL{w.padTop, w.padLeft}, padR{w.padBottom, w.padRight};
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;

    const auto fwdPd = convolution_forward::primitive_desc(
        convolution_forward::desc(prop, algorithm::convolution_direct, md.src, anyDesc(weights),
                                  md.bias, md.dst, strides, dilates, padL, padR),
        attr, cpuEngine());
    convolution_backward_data::primitive_desc bwdDataPd;
    convolution_backward_weights::primitive_desc bwdWPd;
    // A grayscale or RGB input's gradient: oneDNN's direct kernel pads the channels to 16.
    const bool narrow = groups == 1 && src[1] < kNarrowInputChannels;
    if (r.training && wantsDiffSrc() && narrow)
      m_narrow = std::make_unique<NarrowInputBackwardData>(src, dst, w);
    if (r.training) {
      if (wantsDiffSrc() && !narrow)
        bwdDataPd = convolution_backward_data::primitive_desc(
            convolution_backward_data::desc(algorithm::convolution_direct, md.src, anyDesc(weights),
                                            md.dst, strides, dilates, padL, padR),
            attr, cpuEngine(), fwdPd);
      bwdWPd = convolution_backward_weights::primitive_desc(
          convolution_backward_weights::desc(algorithm::convolution_direct, md.src,
                                             anyDesc(weights), md.bias, md.dst, strides, dilates,
                                             padL, padR),
          attr, cpuEngine(), fwdPd);
    }
    setUp(md, fwdPd, bwdDataPd, bwdWPd);

    std::string impl = "onednn:conv(" + implOf(fwdPd);
    if (r.training) {
      if (wantsDiffSrc())
        impl += ", bwd_data " + (narrow ? m_narrow->implName() : implOf(bwdDataPd));
      impl += ", bwd_weights " + implOf(bwdWPd);
    }
    setImplName(impl + ")");
  }

 private:
  Status backwardData(const float* diffDst, const Tensor& weights, float* diffSrc) override {
    if (!m_narrow) return WeightedKernel::backwardData(diffDst, weights, diffSrc);
    m_narrow->run(diffDst, weights.f32(), diffSrc);
    return Status::ok();
  }

  std::unique_ptr<NarrowInputBackwardData> m_narrow;
};

}  // namespace

KernelOrWhy makeConv2DKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 4)
    return unsupported("Conv2D kernel needs one [N, C, H, W] input");
  auto window = conv2dWindow(request.inputDims[0], *request.attrs);
  if (!window) return window.status();
  const Window2D& w = *window;
  const Dims& out = request.shape->output;
  if (out.size() != 4 || out[2] != w.outH || out[3] != w.outW)
    return unsupported("Conv2D output " + dimsToString(out) + " disagrees with the window " +
                       std::to_string(w.outH) + "x" + std::to_string(w.outW));
  const std::int64_t groups = request.attrs->i("groups");
  return guardedCreate("convolution", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<ConvKernel>(request, w, groups));
  });
}

}  // namespace loom::cpu
