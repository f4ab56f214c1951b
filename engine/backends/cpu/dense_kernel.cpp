// Dense on oneDNN inner_product: forward, backward-data, backward-weights (+ bias).
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

namespace {

using dnnl::inner_product_backward_data;
using dnnl::inner_product_backward_weights;
using dnnl::inner_product_forward;
using dnnl::prop_kind;

class DenseKernel final : public OnednnKernel {
 public:
  DenseKernel(const KernelRequest& r)
      : OnednnKernel({Layout::Plain}, Layout::Plain),
        m_hasBias(r.shape->params.size() > 1),
        m_wantsDiffSrc(r.needsDiffSrc.empty() || r.needsDiffSrc[0]) {
    const Dims& src = r.inputDims[0];
    const Dims& dst = r.shape->output;
    const Dims& weights = r.shape->params[0].dims;
    const memory::desc srcMd = plainDesc(src), dstMd = plainDesc(dst);
    const memory::desc biasMd = m_hasBias ? plainDesc({dst[1]}) : memory::desc();
    const memory::desc userW = plainDesc(weights);
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;

    m_fwdPd = inner_product_forward::primitive_desc(
        inner_product_forward::desc(prop, srcMd, anyDesc(weights), biasMd, dstMd), attr,
        cpuEngine());
    m_fwd = inner_product_forward(m_fwdPd);
    m_fwdWeights = ToPrimitive(userW, m_fwdPd.weights_desc());
    m_src = unbound(srcMd);
    m_dst = unbound(dstMd);
    if (m_hasBias) m_bias = unbound(biasMd);
    std::string impl = "onednn:inner_product(" + implOf(m_fwdPd);

    if (r.training) {
      m_diffDst = unbound(dstMd);
      if (m_wantsDiffSrc) {
        m_bwdDataPd = inner_product_backward_data::primitive_desc(
            inner_product_backward_data::desc(srcMd, anyDesc(weights), dstMd), attr, cpuEngine(),
            m_fwdPd);
        m_bwdData = inner_product_backward_data(m_bwdDataPd);
        m_sameWeights = m_bwdDataPd.weights_desc() == m_fwdPd.weights_desc();
        if (!m_sameWeights) m_bwdWeightsIn = ToPrimitive(userW, m_bwdDataPd.weights_desc());
        m_diffSrc = unbound(srcMd);
      }
      m_bwdWPd = inner_product_backward_weights::primitive_desc(
          inner_product_backward_weights::desc(srcMd, anyDesc(weights), biasMd, dstMd), attr,
          cpuEngine(), m_fwdPd);
      m_bwdW = inner_product_backward_weights(m_bwdWPd);
      m_diffWeights = FromPrimitive(m_bwdWPd.diff_weights_desc(), userW);
      if (m_hasBias) m_diffBias = unbound(biasMd);
      impl += ", bwd " + implOf(m_bwdWPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, m_hasBias ? 2 : 1, "Dense"));
    bind(m_src, args.src[0]->raw());
    bind(m_dst, args.dst->raw());
    ArgMap map{{DNNL_ARG_SRC, m_src},
               {DNNL_ARG_WEIGHTS, m_fwdWeights.convert(args.params[0]->raw())},
               {DNNL_ARG_DST, m_dst}};
    if (m_hasBias) {
      bind(m_bias, args.params[1]->raw());
      map.insert({DNNL_ARG_BIAS, m_bias});
    }
    execute(m_fwd, std::move(map), m_fwdPd.scratchpad_desc());
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Dense kernel: backward without diffDst");
    bind(m_diffDst, args.diffDst->raw());
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (diffSrc) {
      if (!m_bwdData) return internalError("Dense kernel: diffSrc requested but not planned");
      const void* w = args.params[0]->raw();
      bind(m_diffSrc, diffSrc->raw());
      execute(
          m_bwdData,
          {{DNNL_ARG_DIFF_DST, m_diffDst},
           {DNNL_ARG_WEIGHTS, m_sameWeights ? m_fwdWeights.reuse(w) : m_bwdWeightsIn.convert(w)},
           {DNNL_ARG_DIFF_SRC, m_diffSrc}},
          m_bwdDataPd.scratchpad_desc());
    }
    Tensor* diffW = args.diffParams.size() > 0 ? args.diffParams[0] : nullptr;
    Tensor* diffB = args.diffParams.size() > 1 ? args.diffParams[1] : nullptr;
    if (!diffW && !diffB) return Status::ok();
    // oneDNN computes both together; a frozen half lands in a scratch tensor.
    if (!diffW) diffW = scratchLike(m_scratchW, *args.params[0]);
    if (m_hasBias && !diffB) diffB = scratchLike(m_scratchB, *args.params[1]);
    bind(m_src, args.src[0]->raw());
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
  inner_product_forward::primitive_desc m_fwdPd;
  inner_product_forward m_fwd;
  inner_product_backward_data::primitive_desc m_bwdDataPd;
  inner_product_backward_data m_bwdData;
  inner_product_backward_weights::primitive_desc m_bwdWPd;
  inner_product_backward_weights m_bwdW;
  ToPrimitive m_fwdWeights, m_bwdWeightsIn;
  FromPrimitive m_diffWeights;
  memory m_src, m_dst, m_bias, m_diffDst, m_diffSrc, m_diffBias;
  Tensor m_scratchW, m_scratchB;
};

}  // namespace

KernelOrWhy makeDenseKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 2)
    return unsupported("Dense kernel needs one [N, features] input");
  return guardedCreate("inner_product", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<DenseKernel>(request));
  });
}

}  // namespace loom::cpu
