// How the kernels of ops with weights and an optional bias run their oneDNN primitives:
// Conv2D (convolution) and Dense (inner_product). Private to backends/cpu.
//
// Both ops keep their weights as param 0 (Plain, as ParameterSet stores them) and the bias
// as param 1, and both run forward, backward-data and backward-weights primitives with the
// weights in the primitive's preferred format. Only the descriptors differ, so a kernel
// builds those and this base does the rest.
#pragma once

#include <string>

#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

/// The memory descriptors a weighted kernel binds: activations, the bias (empty desc when
/// the op has none) and the weights as ParameterSet stores them.
struct WeightedDescs {
  memory::desc src, dst, bias, userWeights;
};

/// Base of a kernel on a forward primitive Fwd, backward-data BwdData and backward-weights
/// BwdWeights (oneDNN's convolution_* or inner_product_* types).
///
/// The weights are reordered into the forward primitive's format once per step (once until
/// parametersChanged() with KernelRequest::constantParameters), and backward-data reuses
/// that copy when it wants the same format. Activations (src, dst and
/// their diffs) are kept in outputLayout(); a tensor in another layout is staged.
/// A frozen weights or bias half of backward-weights lands in a kernel-owned scratch tensor,
/// since oneDNN computes both together.
template <class Fwd, class BwdData, class BwdWeights>
class WeightedKernel : public OnednnKernel {
 protected:
  /// `opName` names the op in errors ("Conv2D kernel: ...").
  WeightedKernel(const KernelRequest& r, Layout activations, const char* opName)
      : OnednnKernel({activations}, activations),
        m_opName(opName),
        m_training(r.training),
        m_hasBias(r.shape->params.size() > 1),
        m_constantParameters(r.constantParameters),
        m_wantsDiffSrc(r.needsDiffSrc.empty() || r.needsDiffSrc[0]) {}

  bool hasBias() const { return m_hasBias; }
  /// Whether backward-data is to be built (the request wants diffSrc or did not say).
  bool wantsDiffSrc() const { return m_wantsDiffSrc; }

  /// Creates the primitives and memories. `bwdDataPd` is built only in training when
  /// wantsDiffSrc(), `bwdWPd` only in training; pass default-constructed ones otherwise
  /// (an empty `bwdDataPd` in training: the subclass overrides backwardData()).
  void setUp(const WeightedDescs& md, const typename Fwd::primitive_desc& fwdPd,
             const typename BwdData::primitive_desc& bwdDataPd,
             const typename BwdWeights::primitive_desc& bwdWPd) {
    m_fwdPd = fwdPd;
    m_fwd = Fwd(m_fwdPd);
    m_fwdWeights = ToPrimitive(md.userWeights, m_fwdPd.weights_desc());
    m_fwdWeights.keepConverted(m_constantParameters);
    m_src = unbound(md.src);
    m_dst = unbound(md.dst);
    if (m_hasBias) m_bias = unbound(md.bias);
    if (!m_training) return;
    m_diffDst = unbound(md.dst);
    if (m_wantsDiffSrc && bwdDataPd) {
      m_bwdDataPd = bwdDataPd;
      m_bwdData = BwdData(m_bwdDataPd);
      m_sameWeights = m_bwdDataPd.weights_desc() == m_fwdPd.weights_desc();
      if (!m_sameWeights) {
        m_bwdDataWeights = ToPrimitive(md.userWeights, m_bwdDataPd.weights_desc());
        m_bwdDataWeights.keepConverted(m_constantParameters);
      }
      m_diffSrc = unbound(md.src);
    }
    m_bwdWPd = bwdWPd;
    m_bwdW = BwdWeights(m_bwdWPd);
    m_diffWeights = FromPrimitive(m_bwdWPd.diff_weights_desc(), md.userWeights);
    if (m_hasBias) m_diffBias = unbound(md.bias);
  }

  /// Writes d loss / d src into `diffSrc` (outputLayout()) from `diffDst` (outputLayout())
  /// and the Plain `weights`: the backward-data primitive of setUp(). Conv2D overrides it
  /// for inputs with few channels (conv_narrow_input.h).
  virtual Status backwardData(const float* diffDst, const Tensor& weights, float* diffSrc) {
    if (!m_bwdData) return internalError(m_opName + " kernel: diffSrc requested but not planned");
    (void)diffDst;  // bound to m_diffDst by runBackward()
    const void* w = weights.raw();
    bind(m_diffSrc, diffSrc);
    execute(
        m_bwdData,
        {{DNNL_ARG_DIFF_DST, m_diffDst},
         {DNNL_ARG_WEIGHTS, m_sameWeights ? m_fwdWeights.reuse(w) : m_bwdDataWeights.convert(w)},
         {DNNL_ARG_DIFF_SRC, m_diffSrc}},
        m_bwdDataPd.scratchpad_desc());
    return Status::ok();
  }

  void parametersChanged() override {
    m_fwdWeights.forget();
    m_bwdDataWeights.forget();
  }

  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, m_hasBias ? 2 : 1, m_opName.c_str()));
    bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
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
    if (!args.diffDst) return internalError(m_opName + " kernel: backward without diffDst");
    bind(m_diffDst, stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging).raw());
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (diffSrc) {
      Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_diffSrcStaging);
      LOOM_RETURN_IF_ERROR(backwardData(static_cast<const float*>(m_diffDst.get_data_handle()),
                                        *args.params[0], static_cast<float*>(target.raw())));
      finishOutput(*diffSrc, target);
    }
    Tensor* diffW = args.diffParams.size() > 0 ? args.diffParams[0] : nullptr;
    Tensor* diffB = args.diffParams.size() > 1 ? args.diffParams[1] : nullptr;
    if (!diffW && !diffB) return Status::ok();
    if (!diffW) diffW = scratchLike(m_scratchW, *args.params[0]);
    if (m_hasBias && !diffB) diffB = scratchLike(m_scratchB, *args.params[1]);
    bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
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

  std::string m_opName;
  bool m_training, m_hasBias, m_constantParameters, m_wantsDiffSrc, m_sameWeights = false;
  typename Fwd::primitive_desc m_fwdPd;
  typename BwdData::primitive_desc m_bwdDataPd;
  typename BwdWeights::primitive_desc m_bwdWPd;
  Fwd m_fwd;
  BwdData m_bwdData;
  BwdWeights m_bwdW;
  ToPrimitive m_fwdWeights, m_bwdDataWeights;
  FromPrimitive m_diffWeights;
  memory m_src, m_dst, m_bias, m_diffDst, m_diffSrc, m_diffBias;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging, m_scratchW, m_scratchB;
};

}  // namespace loom::cpu
