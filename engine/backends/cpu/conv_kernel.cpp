// Conv2D on oneDNN convolution: NHWC activations, weights in the primitive's preferred
// format (reordered from Plain once per step in forward and reused by backward-data),
// groups, dilation, asymmetric pads.
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/ops/conv2d.h"

namespace loom::cpu {

namespace {

using dnnl::algorithm;
using dnnl::convolution_backward_data;
using dnnl::convolution_backward_weights;
using dnnl::convolution_forward;
using dnnl::prop_kind;

class ConvKernel final : public OnednnKernel {
 public:
  ConvKernel(const KernelRequest& r, const Window2D& w, std::int64_t groups)
      : OnednnKernel({Layout::NHWC}, Layout::NHWC),
        m_hasBias(r.shape->params.size() > 1),
        m_wantsDiffSrc(r.needsDiffSrc.empty() || r.needsDiffSrc[0]) {
    const Dims& src = r.inputDims[0];
    const Dims& dst = r.shape->output;
    const Dims& plainW = r.shape->params[0].dims;  // [O, I/G, kH, kW]
    // oneDNN wants grouped weights as [G, O/G, I/G, kH, kW]: the same bytes as Loom's.
    const Dims weights =
        groups == 1 ? plainW : Dims{groups, plainW[0] / groups, plainW[1], plainW[2], plainW[3]};
    const memory::desc srcMd = tensorDesc(src, Layout::NHWC);
    const memory::desc dstMd = tensorDesc(dst, Layout::NHWC);
    const memory::desc biasMd = m_hasBias ? plainDesc({dst[1]}) : memory::desc();
    const memory::desc userW = plainDesc(weights);
    const memory::dims strides{w.strideH, w.strideW};
    const memory::dims dilates{w.dilationH - 1, w.dilationW - 1};  // oneDNN counts gaps
    const memory::dims padL{w.padTop, w.padLeft}, padR{w.padBottom, w.padRight};
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;

    m_fwdPd = convolution_forward::primitive_desc(
        convolution_forward::desc(prop, algorithm::convolution_direct, srcMd, anyDesc(weights),
                                  biasMd, dstMd, strides, dilates, padL, padR),
        attr, cpuEngine());
    m_fwd = convolution_forward(m_fwdPd);
    m_fwdWeights = ToPrimitive(userW, m_fwdPd.weights_desc());
    m_src = unbound(srcMd);
    m_dst = unbound(dstMd);
    if (m_hasBias) m_bias = unbound(biasMd);
    std::string impl = "onednn:conv(" + implOf(m_fwdPd);

    if (r.training) {
      m_diffDst = unbound(dstMd);
      if (m_wantsDiffSrc) {
        m_bwdDataPd = convolution_backward_data::primitive_desc(
            convolution_backward_data::desc(algorithm::convolution_direct, srcMd, anyDesc(weights),
                                            dstMd, strides, dilates, padL, padR),
            attr, cpuEngine(), m_fwdPd);
        m_bwdData = convolution_backward_data(m_bwdDataPd);
        m_sameWeights = m_bwdDataPd.weights_desc() == m_fwdPd.weights_desc();
        if (!m_sameWeights) m_bwdDataWeights = ToPrimitive(userW, m_bwdDataPd.weights_desc());
        m_diffSrc = unbound(srcMd);
        impl += ", bwd_data " + implOf(m_bwdDataPd);
      }
      m_bwdWPd = convolution_backward_weights::primitive_desc(
          convolution_backward_weights::desc(algorithm::convolution_direct, srcMd, anyDesc(weights),
                                             biasMd, dstMd, strides, dilates, padL, padR),
          attr, cpuEngine(), m_fwdPd);
      m_bwdW = convolution_backward_weights(m_bwdWPd);
      m_diffWeights = FromPrimitive(m_bwdWPd.diff_weights_desc(), userW);
      if (m_hasBias) m_diffBias = unbound(biasMd);
      impl += ", bwd_weights " + implOf(m_bwdWPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, m_hasBias ? 2 : 1, "Conv2D"));
    bind(m_src, stagedInput(*args.src[0], Layout::NHWC, m_srcStaging).raw());
    Tensor& dst = stagedOutput(*args.dst, Layout::NHWC, m_dstStaging);
    bind(m_dst, dst.raw());
    ArgMap map{{DNNL_ARG_SRC, m_src},
               {DNNL_ARG_WEIGHTS, m_fwdWeights.convert(args.params[0]->raw())},
               {DNNL_ARG_DST, m_dst}};
    if (m_hasBias) {
      bind(m_bias, args.params[1]->raw());
      map.insert({DNNL_ARG_BIAS, m_bias});
    }
    execute(m_fwd, std::move(map), m_fwdPd.scratchpad_desc());
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Conv2D kernel: backward without diffDst");
    bind(m_diffDst, stagedInput(*args.diffDst, Layout::NHWC, m_diffDstStaging).raw());
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (diffSrc) {
      if (!m_bwdData) return internalError("Conv2D kernel: diffSrc requested but not planned");
      const void* w = args.params[0]->raw();
      Tensor& target = stagedOutput(*diffSrc, Layout::NHWC, m_diffSrcStaging);
      bind(m_diffSrc, target.raw());
      execute(
          m_bwdData,
          {{DNNL_ARG_DIFF_DST, m_diffDst},
           {DNNL_ARG_WEIGHTS, m_sameWeights ? m_fwdWeights.reuse(w) : m_bwdDataWeights.convert(w)},
           {DNNL_ARG_DIFF_SRC, m_diffSrc}},
          m_bwdDataPd.scratchpad_desc());
      finishOutput(*diffSrc, target);
    }
    Tensor* diffW = args.diffParams.size() > 0 ? args.diffParams[0] : nullptr;
    Tensor* diffB = args.diffParams.size() > 1 ? args.diffParams[1] : nullptr;
    if (!diffW && !diffB) return Status::ok();
    if (!diffW) diffW = scratchLike(m_scratchW, *args.params[0]);
    if (m_hasBias && !diffB) diffB = scratchLike(m_scratchB, *args.params[1]);
    bind(m_src, stagedInput(*args.src[0], Layout::NHWC, m_srcStaging).raw());
    ArgMap map{{DNNL_ARG_SRC, m_src},
               {DNNL_ARG_DIFF_DST, m_diffDst},
               {DNNL_ARG_DIFF_WEIGHTS, m_diffWeights.target(diffW->raw())}};
    if (m_hasBias) {
      bind(m_diffBias, diffB->raw());
      map.insert({DNNL_ARG_DIFF_BIAS, m_diffBias});
    }
    execute(m_bwdW, std::move(map), m_bwdWPd.scratchpad_desc());
    m_diffWeights.finish(diffW->raw());
    return Status::ok();
  }

 private:
  static Tensor* scratchLike(Tensor& scratch, const Tensor& like) {
    if (scratch.empty()) scratch = Tensor(like.dims());
    return &scratch;
  }

  bool m_hasBias, m_wantsDiffSrc, m_sameWeights = false;
  convolution_forward::primitive_desc m_fwdPd;
  convolution_forward m_fwd;
  convolution_backward_data::primitive_desc m_bwdDataPd;
  convolution_backward_data m_bwdData;
  convolution_backward_weights::primitive_desc m_bwdWPd;
  convolution_backward_weights m_bwdW;
  ToPrimitive m_fwdWeights, m_bwdDataWeights;
  FromPrimitive m_diffWeights;
  memory m_src, m_dst, m_bias, m_diffDst, m_diffSrc, m_diffBias;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging, m_scratchW, m_scratchB;
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
