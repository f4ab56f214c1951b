// BatchNorm on cuDNN batch normalization (spatial mode), [N, C, H, W] or [N, C] (seen as
// [N, C, 1, 1]).
//
// Training forward uses batch statistics and updates the running ones with the momentum as
// cuDNN's exponential average factor: running = (1 - m) running + m batch, the variance
// unbiased (N / (N - 1)), which is the op's (PyTorch's) rule. cuDNN saves the batch mean and
// inverse standard deviation on the device for the training backward. Inference forward
// uses the running statistics; inference backward (gradients through a frozen network, as
// the explainers use) treats them as constants, which cuDNN has no call for: that one is a
// kernel of device_kernels.cu.
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"

namespace loom::cuda {

namespace {

constexpr int kGamma = 0, kBeta = 1, kRunningMean = 2, kRunningVar = 3;

class BatchNormKernel final : public CudaKernel {
 public:
  BatchNormKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r),
        m_training(r.training),
        m_n(r.inputDims[0][0]),
        m_channels(r.inputDims[0][1]),
        m_inner(numElements(r.inputDims[0]) / (r.inputDims[0][0] * r.inputDims[0][1])),
        m_momentum(r.attrs->f("momentum")),
        m_eps(r.attrs->f("epsilon")) {}

  Status init() {
    LOOM_RETURN_IF_ERROR(setNchw(m_xDesc, m_n, m_channels, m_inner, 1));
    LOOM_RETURN_IF_ERROR(m_paramDesc.create());
    LOOM_CUDNN_CHECK(
        cudnnDeriveBNTensorDescriptor(m_paramDesc.get(), m_xDesc.get(), CUDNN_BATCHNORM_SPATIAL));
    m_xBytes = static_cast<size_t>(m_n * m_channels * m_inner) * sizeof(float);
    m_cBytes = static_cast<size_t>(m_channels) * sizeof(float);
    setImplName("cudnn:batch_norm(spatial, " + ctx().description() + ")");
    return Status::ok();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 4, "BatchNorm"));
    if (args.training && !m_training)
      return internalError("BatchNorm kernel: training forward on an inference kernel");
    if (args.training && m_n * m_inner < 2)
      return invalidArgument(
          "BatchNorm in training needs more than one value per channel, "
          "got input shape " +
          dimsToString(args.src[0]->dims()));
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(uploadParams(args));
    LOOM_RETURN_IF_ERROR(m_y.reserve(m_xBytes));
    const float one = 1.0f, zero = 0.0f;
    if (args.training) {
      LOOM_RETURN_IF_ERROR(m_saveMean.reserve(m_cBytes));
      LOOM_RETURN_IF_ERROR(m_saveInvStd.reserve(m_cBytes));
      LOOM_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(
          c.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, m_xDesc.get(), m_x.get(), m_xDesc.get(),
          m_y.get(), m_paramDesc.get(), m_gamma.get(), m_beta.get(), m_momentum, m_runMean.get(),
          m_runVar.get(), m_eps, m_saveMean.get(), m_saveInvStd.get()));
      // The updated running statistics go back into the parameters.
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_runMean, *args.params[kRunningMean]));
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_runVar, *args.params[kRunningVar]));
    } else {
      LOOM_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(
          c.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, m_xDesc.get(), m_x.get(), m_xDesc.get(),
          m_y.get(), m_paramDesc.get(), m_gamma.get(), m_beta.get(), m_runMean.get(),
          m_runVar.get(), m_eps));
    }
    m_lastForwardTrained = args.training;
    return download(c, m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    if (!m_training) return internalError("BatchNorm kernel: backward on an inference kernel");
    if (!args.diffDst) return internalError("BatchNorm kernel: backward without diffDst");
    Tensor* diffSrc = diffSrcAt(args, 0);
    Tensor* diffGamma = diffParamAt(args, kGamma);
    Tensor* diffBeta = diffParamAt(args, kBeta);
    if (!diffSrc && !diffGamma && !diffBeta) return Status::ok();
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    LOOM_RETURN_IF_ERROR(m_dx.reserve(m_xBytes));
    LOOM_RETURN_IF_ERROR(m_dGamma.reserve(m_cBytes));
    LOOM_RETURN_IF_ERROR(m_dBeta.reserve(m_cBytes));
    if (args.training) {
      if (!m_lastForwardTrained)
        return internalError("BatchNorm kernel: training backward after an inference forward");
      // gamma is on the device from this step's forward; the saved statistics too.
      const float one = 1.0f, zero = 0.0f;
      LOOM_CUDNN_CHECK(cudnnBatchNormalizationBackward(
          c.cudnn(), CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, m_xDesc.get(), m_x.get(),
          m_xDesc.get(), m_dy.get(), m_xDesc.get(), m_dx.get(), m_paramDesc.get(), m_gamma.get(),
          m_dGamma.get(), m_dBeta.get(), m_eps, m_saveMean.get(), m_saveInvStd.get()));
    } else {
      LOOM_RETURN_IF_ERROR(uploadParams(args));
      LOOM_CUDA_CHECK(launchBatchNormFrozenBackward(
          m_x.f32(), m_dy.f32(), m_gamma.f32(), m_runMean.f32(), m_runVar.f32(), m_eps, m_n,
          m_channels, m_inner, diffSrc ? m_dx.f32() : nullptr, diffGamma ? m_dGamma.f32() : nullptr,
          diffBeta ? m_dBeta.f32() : nullptr, stream()));
    }
    if (diffSrc) LOOM_RETURN_IF_ERROR(download(c, m_dx, *diffSrc, m_staging));
    if (diffGamma) LOOM_RETURN_IF_ERROR(downloadPlain(c, m_dGamma, *diffGamma));
    if (diffBeta) LOOM_RETURN_IF_ERROR(downloadPlain(c, m_dBeta, *diffBeta));
    return Status::ok();
  }

 private:
  // gamma, beta and the running statistics host -> device (four vectors of C floats).
  Status uploadParams(const KernelArgs& args) {
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.params[kGamma], m_gamma, m_staging));
    LOOM_RETURN_IF_ERROR(upload(c, *args.params[kBeta], m_beta, m_staging));
    LOOM_RETURN_IF_ERROR(upload(c, *args.params[kRunningMean], m_runMean, m_staging));
    return upload(c, *args.params[kRunningVar], m_runVar, m_staging);
  }

  bool m_training, m_lastForwardTrained = false;
  std::int64_t m_n, m_channels, m_inner;
  double m_momentum, m_eps;
  size_t m_xBytes = 0, m_cBytes = 0;
  TensorDesc m_xDesc, m_paramDesc;
  DeviceBuffer m_x, m_y, m_dy, m_dx, m_gamma, m_beta, m_runMean, m_runVar;
  DeviceBuffer m_saveMean, m_saveInvStd, m_dGamma, m_dBeta;
  Tensor m_staging;
};

}  // namespace

KernelOrWhy makeBatchNormKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1 ||
      (request.inputDims[0].size() != 2 && request.inputDims[0].size() != 4))
    return unsupported("BatchNorm kernel needs one [N, C] or [N, C, H, W] input");
  if (request.shape->params.size() != 4)
    return unsupported("BatchNorm kernel expects params gamma, beta, running_mean, running_var");
  const Dims& in = request.inputDims[0];
  if (in[0] <= 0 || in[1] <= 0) return unsupported("BatchNorm kernel needs a non-empty input");
  if (request.attrs->f("epsilon") < CUDNN_BN_MIN_EPSILON)
    return unsupported("epsilon below cuDNN's minimum " + std::to_string(CUDNN_BN_MIN_EPSILON));
  auto kernel = std::make_unique<BatchNormKernel>(ctx, request);
  LOOM_RETURN_IF_ERROR(declined(kernel->init(), "BatchNorm"));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace loom::cuda
