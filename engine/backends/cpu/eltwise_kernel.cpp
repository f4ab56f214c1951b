// ReLU, LeakyReLU, ELU, Sigmoid and Tanh on oneDNN eltwise.
//
// Elementwise results do not depend on the physical order, so the primitive sees a flat
// 1-D tensor and the kernel keeps whatever layout its neighbours use (NHWC for rank 4).
// Backward uses the *_use_dst_for_bwd algorithms: it reads args.dst (the forward output,
// which the plan keeps for the step) instead of the source.
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

namespace {

using dnnl::algorithm;
using dnnl::eltwise_backward;
using dnnl::eltwise_forward;
using dnnl::prop_kind;

struct EltwiseSpec {
  algorithm alg;
  float alpha = 0;
  bool useDst = true;  ///< backward reads dst (else src)
};

class EltwiseKernel final : public OnednnKernel {
 public:
  EltwiseKernel(const KernelRequest& r, const EltwiseSpec& e)
      : OnednnKernel({activationLayout(r.inputDims[0])}, activationLayout(r.inputDims[0])),
        m_useDst(e.useDst) {
    const memory::desc flat = flatDesc(numElements(r.inputDims[0]));
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;
    m_fwdPd = eltwise_forward::primitive_desc(eltwise_forward::desc(prop, e.alg, flat, e.alpha, 0),
                                              attr, cpuEngine());
    m_fwd = eltwise_forward(m_fwdPd);
    m_src = unbound(flat);
    m_dst = unbound(flat);
    std::string impl = "onednn:eltwise(" + implOf(m_fwdPd);
    if (r.training && (r.needsDiffSrc.empty() || r.needsDiffSrc[0])) {
      m_bwdPd = eltwise_backward::primitive_desc(
          eltwise_backward::desc(e.alg, flat, flat, e.alpha, 0), attr, cpuEngine(), m_fwdPd);
      m_bwd = eltwise_backward(m_bwdPd);
      m_diffSrc = unbound(flat);
      m_diffDst = unbound(flat);
      impl += ", bwd " + implOf(m_bwdPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "eltwise"));
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
    if (!m_bwd) return internalError("eltwise kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("eltwise kernel: backward without diffDst");
    ArgMap map;
    if (m_useDst) {
      bind(m_dst, stagedInput(*args.dst, m_outputLayout, m_dstStaging).raw());
      map.insert({DNNL_ARG_DST, m_dst});
    } else {
      bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
      map.insert({DNNL_ARG_SRC, m_src});
    }
    bind(m_diffDst, stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging).raw());
    Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_diffSrcStaging);
    bind(m_diffSrc, target.raw());
    map.insert({DNNL_ARG_DIFF_DST, m_diffDst});
    map.insert({DNNL_ARG_DIFF_SRC, m_diffSrc});
    execute(m_bwd, std::move(map), m_bwdPd.scratchpad_desc());
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  bool m_useDst;
  eltwise_forward::primitive_desc m_fwdPd;
  eltwise_forward m_fwd;
  eltwise_backward::primitive_desc m_bwdPd;
  eltwise_backward m_bwd;
  memory m_src, m_dst, m_diffSrc, m_diffDst;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
};

Expected<EltwiseSpec> eltwiseSpec(const std::string& op, const Attrs& attrs) {
  // dst-based backward needs an invertible forward: alpha >= 0 for ReLU and ELU.
  if (op == "ReLU") return EltwiseSpec{algorithm::eltwise_relu_use_dst_for_bwd, 0, true};
  if (op == "LeakyReLU") {
    const float a = static_cast<float>(attrs.f("alpha"));
    if (a >= 0) return EltwiseSpec{algorithm::eltwise_relu_use_dst_for_bwd, a, true};
    return EltwiseSpec{algorithm::eltwise_relu, a, false};
  }
  if (op == "ELU") {
    const float a = static_cast<float>(attrs.f("alpha"));
    if (a >= 0) return EltwiseSpec{algorithm::eltwise_elu_use_dst_for_bwd, a, true};
    return EltwiseSpec{algorithm::eltwise_elu, a, false};
  }
  if (op == "Sigmoid") return EltwiseSpec{algorithm::eltwise_logistic_use_dst_for_bwd, 0, true};
  if (op == "Tanh") return EltwiseSpec{algorithm::eltwise_tanh_use_dst_for_bwd, 0, true};
  return unsupported("no oneDNN eltwise algorithm for op " + op);
}

}  // namespace

KernelOrWhy makeEltwiseKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1) return unsupported("eltwise kernel needs one input");
  if (request.shape->output != request.inputDims[0])
    return unsupported("eltwise kernel needs output dims equal to input dims");
  auto spec = eltwiseSpec(request.op->schema().name, *request.attrs);
  if (!spec) return spec.status();
  return guardedCreate("eltwise", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<EltwiseKernel>(request, *spec));
  });
}

}  // namespace loom::cpu
