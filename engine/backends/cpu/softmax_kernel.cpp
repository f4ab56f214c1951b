// Softmax on oneDNN softmax along any axis: NHWC for rank 4 (the axis stays logical),
// row-major otherwise. Backward reads args.dst (the forward output).
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/ops/op_helpers.h"

namespace loom::cpu {

namespace {

using dnnl::prop_kind;
using dnnl::softmax_backward;
using dnnl::softmax_forward;

class SoftmaxKernel final : public OnednnKernel {
 public:
  SoftmaxKernel(const KernelRequest& r, int axis)
      : OnednnKernel({activationLayout(r.inputDims[0])}, activationLayout(r.inputDims[0])) {
    const memory::desc md = tensorDesc(r.inputDims[0], m_outputLayout);
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;
    m_fwdPd =
        softmax_forward::primitive_desc(softmax_forward::desc(prop, md, axis), attr, cpuEngine());
    m_fwd = softmax_forward(m_fwdPd);
    m_src = unbound(md);
    m_dst = unbound(md);
    std::string impl = "onednn:softmax(" + implOf(m_fwdPd);
    if (r.training && (r.needsDiffSrc.empty() || r.needsDiffSrc[0])) {
      m_bwdPd = softmax_backward::primitive_desc(softmax_backward::desc(md, md, axis), attr,
                                                 cpuEngine(), m_fwdPd);
      m_bwd = softmax_backward(m_bwdPd);
      m_diffSrc = unbound(md);
      m_diffDst = unbound(md);
      impl += ", bwd " + implOf(m_bwdPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "Softmax"));
    bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
    bind(m_dst, dst.raw());
    execute(m_fwd, {{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DST, m_dst}}, m_fwdPd.scratchpad_desc());
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (!diffSrc) return Status::ok();
    if (!m_bwd) return internalError("Softmax kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("Softmax kernel: backward without diffDst");
    bind(m_dst, stagedInput(*args.dst, m_outputLayout, m_dstStaging).raw());
    bind(m_diffDst, stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging).raw());
    Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_diffSrcStaging);
    bind(m_diffSrc, target.raw());
    execute(m_bwd,
            {{DNNL_ARG_DST, m_dst}, {DNNL_ARG_DIFF_DST, m_diffDst}, {DNNL_ARG_DIFF_SRC, m_diffSrc}},
            m_bwdPd.scratchpad_desc());
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  softmax_forward::primitive_desc m_fwdPd;
  softmax_forward m_fwd;
  softmax_backward::primitive_desc m_bwdPd;
  softmax_backward m_bwd;
  memory m_src, m_dst, m_diffSrc, m_diffDst;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
};

}  // namespace

KernelOrWhy makeSoftmaxKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1) return unsupported("Softmax kernel needs one input");
  auto axis = resolveAxis(request.attrs->i("axis"), request.inputDims[0], "axis");
  if (!axis) return axis.status();
  return guardedCreate("softmax", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<SoftmaxKernel>(request, *axis));
  });
}

}  // namespace loom::cpu
