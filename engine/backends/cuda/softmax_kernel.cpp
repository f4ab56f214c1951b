// Softmax along any axis on cuDNN softmax (accurate: the maximum is subtracted first). A
// Plain tensor with the axis of length L, `outer` elements before it and `inner` after it is
// the NCHW tensor [outer, L, inner, 1], and cuDNN's channel mode normalises over C.
// Backward reads the forward's output, which it recomputes from the uploaded source (as the
// op's reference backward does).
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/ops/op_helpers.h"

namespace loom::cuda {

namespace {

class SoftmaxKernel final : public CudaKernel {
 public:
  SoftmaxKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r), m_n(numElements(r.inputDims[0])), m_backward(wantsDiffSrc(r)) {}

  Status init(const Dims& dims, int axis) {
    const std::int64_t len = dims[static_cast<size_t>(axis)];
    const std::int64_t inner = productFrom(dims, static_cast<size_t>(axis) + 1);
    const std::int64_t outer = len * inner == 0 ? 0 : m_n / (len * inner);
    LOOM_RETURN_IF_ERROR(setNchw(m_desc, outer, len, inner, 1));
    setImplName("cudnn:softmax(accurate, channel, " + ctx().description() + ")");
    return Status::ok();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "Softmax"));
    LOOM_RETURN_IF_ERROR(upload(ctx(), *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(softmax());
    return download(ctx(), m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = diffSrcAt(args, 0);
    if (!diffSrc) return Status::ok();
    if (!m_backward) return internalError("Softmax kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("Softmax kernel: backward without diffDst");
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(softmax());
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    LOOM_RETURN_IF_ERROR(m_dx.reserve(bytes()));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnSoftmaxBackward(
        c.cudnn(), CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, &one, m_desc.get(),
        m_y.get(), m_desc.get(), m_dy.get(), &zero, m_desc.get(), m_dx.get()));
    return download(c, m_dx, *diffSrc, m_staging);
  }

 private:
  size_t bytes() const { return static_cast<size_t>(m_n) * sizeof(float); }

  // m_y = softmax(m_x).
  Status softmax() {
    LOOM_RETURN_IF_ERROR(m_y.reserve(bytes()));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnSoftmaxForward(ctx().cudnn(), CUDNN_SOFTMAX_ACCURATE,
                                         CUDNN_SOFTMAX_MODE_CHANNEL, &one, m_desc.get(), m_x.get(),
                                         &zero, m_desc.get(), m_y.get()));
    return Status::ok();
  }

  std::int64_t m_n;
  bool m_backward;
  TensorDesc m_desc;
  DeviceBuffer m_x, m_y, m_dy, m_dx;
  Tensor m_staging;
};

}  // namespace

KernelOrWhy makeSoftmaxKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1) return unsupported("Softmax kernel needs one input");
  auto axis = resolveAxis(request.attrs->i("axis"), request.inputDims[0], "axis");
  if (!axis) return axis.status();
  if (numElements(request.inputDims[0]) == 0) return unsupported("Softmax of an empty tensor");
  auto kernel = std::make_unique<SoftmaxKernel>(ctx, request);
  LOOM_RETURN_IF_ERROR(declined(kernel->init(request.inputDims[0], *axis), "Softmax"));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace loom::cuda
