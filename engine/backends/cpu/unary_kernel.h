// How the one-input kernels whose output has the input's dims and layout run their oneDNN
// primitives: eltwise (the element-wise activations) and softmax. Private to backends/cpu.
#pragma once

#include <string>

#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

/// Which forward tensor a backward primitive reads besides diffDst.
enum class BackwardReads { Src, Dst };

/// Base of a kernel on a forward primitive Fwd and a backward primitive Bwd (oneDNN's
/// eltwise_* or softmax_* types) over one input and an output of the same dims. Input and
/// output keep activationLayout() of the input; a tensor in another layout is staged.
/// Backward reads args.dst (the forward output, kept by the plan for the step) or the source,
/// as the derived kernel says.
template <class Fwd, class Bwd>
class UnaryKernel : public OnednnKernel {
 protected:
  /// `opName` names the op in errors ("Softmax kernel: ...").
  UnaryKernel(const KernelRequest& r, const char* opName)
      : OnednnKernel({activationLayout(r.inputDims[0])}, activationLayout(r.inputDims[0])),
        m_opName(opName) {}

  /// Whether backward is to be built: in training, when the request wants diffSrc or did
  /// not say.
  static bool wantsBackward(const KernelRequest& r) {
    return r.training && (r.needsDiffSrc.empty() || r.needsDiffSrc[0]);
  }

  /// Creates the primitives and memories; `md` describes every tensor (src, dst and their
  /// diffs). Pass a default-constructed `bwdPd` when !wantsBackward().
  void setUp(const memory::desc& md, const typename Fwd::primitive_desc& fwdPd,
             const typename Bwd::primitive_desc& bwdPd, BackwardReads reads) {
    m_reads = reads;
    m_fwdPd = fwdPd;
    m_fwd = Fwd(m_fwdPd);
    m_src = unbound(md);
    m_dst = unbound(md);
    if (!bwdPd) return;
    m_bwdPd = bwdPd;
    m_bwd = Bwd(m_bwdPd);
    m_diffSrc = unbound(md);
    m_diffDst = unbound(md);
  }

  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, m_opName.c_str()));
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
    if (!m_bwd) return internalError(m_opName + " kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError(m_opName + " kernel: backward without diffDst");
    ArgMap map;
    switch (m_reads) {
      case BackwardReads::Dst:
        bind(m_dst, stagedInput(*args.dst, m_outputLayout, m_dstStaging).raw());
        map.insert({DNNL_ARG_DST, m_dst});
        break;
      case BackwardReads::Src:
        bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
        map.insert({DNNL_ARG_SRC, m_src});
        break;
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
  std::string m_opName;
  BackwardReads m_reads = BackwardReads::Dst;
  typename Fwd::primitive_desc m_fwdPd;
  Fwd m_fwd;
  typename Bwd::primitive_desc m_bwdPd;
  Bwd m_bwd;
  memory m_src, m_dst, m_diffSrc, m_diffDst;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
};

}  // namespace loom::cpu
