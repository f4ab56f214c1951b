// Dropout on a device kernel (device_kernels.cu) that draws the op's own mask: element i
// (Plain order, which is the CUDA kernels' layout) is kept iff the i-th Philox(rngKey) draw
// is >= rate, so results are bit-identical to the reference and CPU kernels. Backward draws
// the same mask again from the same key (forward and backward share it), so nothing is kept
// between the two. Inference, or rate 0, is the identity: a host copy.
#include <cstring>

#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"

namespace loom::cuda {

namespace {

class DropoutKernel final : public CudaKernel {
 public:
  DropoutKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r),
        m_n(numElements(r.inputDims[0])),
        m_rate(r.attrs->f("rate")),
        m_rateF(static_cast<float>(m_rate)),
        m_scale(static_cast<float>(1.0 / (1.0 - m_rate))) {
    setImplName("cuda:dropout(philox, " + c->description() + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "Dropout"));
    return apply(args.training, args.rngKey, *args.src[0], *args.dst);
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = diffSrcAt(args, 0);
    if (!diffSrc) return Status::ok();
    if (!args.diffDst) return internalError("Dropout kernel: backward without diffDst");
    return apply(args.training, args.rngKey, *args.diffDst, *diffSrc);
  }

 private:
  // to = from * mask (training, rate > 0), else to = from.
  Status apply(bool training, std::uint64_t key, const Tensor& from, Tensor& to) {
    if (!training || m_rate <= 0) {
      if (from.layout() == to.layout())
        std::memcpy(to.raw(), from.raw(), to.bytes());
      else
        to.assignConverted(from);
      return Status::ok();
    }
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, from, m_x, m_staging));
    LOOM_RETURN_IF_ERROR(m_y.reserve(static_cast<size_t>(m_n) * sizeof(float)));
    LOOM_CUDA_CHECK(launchDropout(m_x.f32(), m_y.f32(), m_n, key, m_rateF, m_scale, stream()));
    return download(c, m_y, to, m_staging);
  }

  std::int64_t m_n;
  double m_rate;
  float m_rateF, m_scale;
  DeviceBuffer m_x, m_y;
  Tensor m_staging;
};

}  // namespace

KernelOrWhy makeDropoutKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1) return unsupported("Dropout kernel needs one input");
  if (request.attrs->f("rate") >= 1.0) return unsupported("Dropout rate 1 drops everything");
  return std::unique_ptr<Kernel>(std::make_unique<DropoutKernel>(ctx, request));
}

}  // namespace loom::cuda
