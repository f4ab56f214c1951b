// Dropout that keeps its neighbours' layout (NHWC for rank 4), so a dropout between two
// NHWC kernels costs no layout conversions. oneDNN has no dropout primitive in 2.6; the
// kernel is two vectorisable loops.
//
// The mask is the op's (ops/dropout.h): the i-th draw of Philox(rngKey), i counted in
// Plain (NCHW) order, keeps element i iff it is >= rate. The kernel draws in that order
// and stores each decision at the element's physical position, so results are identical
// to the reference kernel in either layout.
#include <cstring>

#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/core/rng.h"

namespace loom::cpu {

namespace {

class DropoutKernel final : public OnednnKernel {
 public:
  DropoutKernel(const KernelRequest& r)
      : OnednnKernel({activationLayout(r.inputDims[0])}, activationLayout(r.inputDims[0])),
        m_dims(r.inputDims[0]),
        m_rate(r.attrs->f("rate")) {
    setImplName(m_outputLayout == Layout::NHWC ? "cpu:dropout(nhwc)" : "cpu:dropout(plain)");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "Dropout"));
    const Tensor& src = stagedInput(*args.src[0], m_outputLayout, m_srcStaging);
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
    m_masked = args.training && m_rate > 0;
    if (!m_masked) {
      std::memcpy(dst.raw(), src.raw(), src.bytes());
    } else {
      drawMask(args.rngKey);
      multiply(src.f32(), m_mask.f32(), dst.f32(), src.numel());
    }
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (!diffSrc) return Status::ok();
    if (!args.diffDst) return internalError("Dropout kernel: backward without diffDst");
    const Tensor& diffDst = stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging);
    Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_diffSrcStaging);
    // The mask of this step's forward (forward and backward share the rng key).
    if (args.training && m_rate > 0) {
      if (!m_masked) drawMask(args.rngKey);
      multiply(diffDst.f32(), m_mask.f32(), target.f32(), diffDst.numel());
    } else {
      std::memcpy(target.raw(), diffDst.raw(), diffDst.bytes());
    }
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  void drawMask(std::uint64_t key) {
    if (m_mask.empty()) m_mask = Tensor(m_dims);
    Philox rng(key);
    const float r = static_cast<float>(m_rate);
    const float scale = static_cast<float>(1.0 / (1.0 - m_rate));
    float* m = m_mask.f32();
    if (m_outputLayout == Layout::Plain) {
      for (std::int64_t i = 0; i < m_mask.numel(); ++i) m[i] = rng.uniform() >= r ? scale : 0.0f;
      return;
    }
    const std::int64_t n = m_dims[0], c = m_dims[1], hw = m_dims[2] * m_dims[3];
    for (std::int64_t in = 0; in < n; ++in)
      for (std::int64_t ic = 0; ic < c; ++ic) {
        float* plane = m + in * c * hw + ic;
        for (std::int64_t p = 0; p < hw; ++p) plane[p * c] = rng.uniform() >= r ? scale : 0.0f;
      }
  }

  static void multiply(const float* x, const float* m, float* y, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] * m[i];
  }

  Dims m_dims;
  double m_rate;
  bool m_masked = false;
  Tensor m_mask;  ///< physical layout = m_outputLayout
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
};

}  // namespace

KernelOrWhy makeDropoutKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1) return unsupported("Dropout kernel needs one input");
  return guardedCreate("dropout", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<DropoutKernel>(request));
  });
}

}  // namespace loom::cpu
