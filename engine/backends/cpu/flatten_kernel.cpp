// Flatten of an NHWC activation: [N, C, H, W] (NHWC bytes) -> Plain [N, C*H*W] in NCHW
// order, as one oneDNN reorder (nhwc -> nchw); backward is the reverse reorder. This is
// where the oneDNN chain hands over to Dense, so the conversion the executor would
// otherwise insert before the reference copy happens here, once, inside oneDNN.
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

namespace {

class FlattenKernel final : public OnednnKernel {
 public:
  FlattenKernel(const KernelRequest& r) : OnednnKernel({Layout::NHWC}, Layout::Plain) {
    const Dims& in = r.inputDims[0];
    m_nhwc = unbound(tensorDesc(in, Layout::NHWC));
    m_nchw = unbound(tensorDesc(in, Layout::Plain));
    m_toPlain = dnnl::reorder(m_nhwc, m_nchw);
    if (r.training) m_toNhwc = dnnl::reorder(m_nchw, m_nhwc);
    setImplName("onednn:reorder(nhwc->nchw)");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "Flatten"));
    bind(m_nhwc, stagedInput(*args.src[0], Layout::NHWC, m_staging).raw());
    bind(m_nchw, args.dst->raw());
    execute(m_toPlain, {{DNNL_ARG_FROM, m_nhwc}, {DNNL_ARG_TO, m_nchw}}, memory::desc());
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (!diffSrc) return Status::ok();
    if (!m_toNhwc) return internalError("Flatten kernel: backward on an inference kernel");
    if (!args.diffDst) return internalError("Flatten kernel: backward without diffDst");
    Tensor& target = stagedOutput(*diffSrc, Layout::NHWC, m_staging);
    bind(m_nchw, args.diffDst->raw());
    bind(m_nhwc, target.raw());
    execute(m_toNhwc, {{DNNL_ARG_FROM, m_nchw}, {DNNL_ARG_TO, m_nhwc}}, memory::desc());
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  memory m_nhwc, m_nchw;
  dnnl::reorder m_toPlain, m_toNhwc;
  Tensor m_staging;
};

}  // namespace

KernelOrWhy makeFlattenKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 4)
    return unsupported(
        "input is not [N, C, H, W]: Flatten is a plain copy, which the reference "
        "kernel does as well");
  const Dims& in = request.inputDims[0];
  if (request.shape->output != Dims{in[0], in[1] * in[2] * in[3]})
    return unsupported("Flatten kernel expects output [N, C*H*W], the op inferred " +
                       dimsToString(request.shape->output));
  return guardedCreate("reorder", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<FlattenKernel>(request));
  });
}

}  // namespace loom::cpu
