// BatchNorm on oneDNN batch_normalization, NHWC ([N, C, H, W]) or nc ([N, C]).
//
// Training forward uses batch statistics (oneDNN returns the mean and the biased
// variance) and then updates the running statistics the PyTorch way (unbiased variance).
// Inference forward and inference backward (gradients through a frozen network, used by
// the explainers) use the running statistics via use_global_stats.
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"

namespace loom::cpu {

namespace {

using dnnl::batch_normalization_backward;
using dnnl::batch_normalization_forward;
using dnnl::normalization_flags;
using dnnl::prop_kind;

constexpr int kGamma = 0, kBeta = 1, kRunningMean = 2, kRunningVar = 3;

class BatchNormKernel final : public OnednnKernel {
 public:
  BatchNormKernel(const KernelRequest& r)
      : OnednnKernel({activationLayout(r.inputDims[0])}, activationLayout(r.inputDims[0])),
        m_channels(r.inputDims[0][1]),
        m_count(numElements(r.inputDims[0]) / r.inputDims[0][1]),
        m_momentum(static_cast<float>(r.attrs->f("momentum"))) {
    const Dims& dims = r.inputDims[0];
    const float eps = static_cast<float>(r.attrs->f("epsilon"));
    const memory::desc data = tensorDesc(dims, m_outputLayout);
    const auto scaleShift = normalization_flags::use_scale | normalization_flags::use_shift;
    const auto global = scaleShift | normalization_flags::use_global_stats;
    const auto attr = scratchpadAttr();

    // With global statistics forward_training is also valid and can hint a backward pd.
    m_inferPd = batch_normalization_forward::primitive_desc(
        batch_normalization_forward::desc(
            r.training ? prop_kind::forward_training : prop_kind::forward_inference, data, eps,
            global),
        attr, cpuEngine());
    m_infer = batch_normalization_forward(m_inferPd);
    m_src = unbound(data);
    m_dst = unbound(data);
    m_gamma = unbound(m_inferPd.weights_desc());
    m_beta = unbound(m_inferPd.weights_desc());
    m_runMean = unbound(m_inferPd.mean_desc());
    m_runVar = unbound(m_inferPd.variance_desc());
    std::string impl = "onednn:batch_norm(" + implOf(m_inferPd);
    if (r.training) {
      m_trainPd = batch_normalization_forward::primitive_desc(
          batch_normalization_forward::desc(prop_kind::forward_training, data, eps, scaleShift),
          attr, cpuEngine());
      m_train = batch_normalization_forward(m_trainPd);
      m_batchMean = memory(m_trainPd.mean_desc(), cpuEngine());
      m_batchVar = memory(m_trainPd.variance_desc(), cpuEngine());
      m_bwdPd = batch_normalization_backward::primitive_desc(
          batch_normalization_backward::desc(prop_kind::backward, data, data, eps, scaleShift),
          attr, cpuEngine(), m_trainPd);
      m_bwd = batch_normalization_backward(m_bwdPd);
      m_bwdGlobalPd = batch_normalization_backward::primitive_desc(
          batch_normalization_backward::desc(prop_kind::backward, data, data, eps, global), attr,
          cpuEngine(), m_inferPd);
      m_bwdGlobal = batch_normalization_backward(m_bwdGlobalPd);
      m_diffDst = unbound(data);
      m_diffSrc = unbound(data);
      m_diffGamma = unbound(m_bwdPd.diff_weights_desc());
      m_diffBeta = unbound(m_bwdPd.diff_weights_desc());
      impl += ", train " + implOf(m_trainPd) + ", bwd " + implOf(m_bwdPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 4, "BatchNorm"));
    if (args.training && !m_train)
      return internalError("BatchNorm kernel: training forward on an inference kernel");
    if (args.training && m_count < 2)
      return invalidArgument(
          "BatchNorm in training needs more than one value per channel, "
          "got input shape " +
          dimsToString(args.src[0]->dims()));
    bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
    bind(m_dst, dst.raw());
    bind(m_gamma, args.params[kGamma]->raw());
    bind(m_beta, args.params[kBeta]->raw());
    float* runMean = args.params[kRunningMean]->f32();
    float* runVar = args.params[kRunningVar]->f32();
    ArgMap map{{DNNL_ARG_SRC, m_src},
               {DNNL_ARG_DST, m_dst},
               {DNNL_ARG_SCALE, m_gamma},
               {DNNL_ARG_SHIFT, m_beta}};
    if (args.training) {
      map.insert({DNNL_ARG_MEAN, m_batchMean});
      map.insert({DNNL_ARG_VARIANCE, m_batchVar});
      execute(m_train, std::move(map), m_trainPd.scratchpad_desc());
      const float* mean = static_cast<const float*>(m_batchMean.get_data_handle());
      const float* var = static_cast<const float*>(m_batchVar.get_data_handle());
      const float m = m_momentum;
      const float unbias = static_cast<float>(static_cast<double>(m_count) / (m_count - 1));
      for (std::int64_t c = 0; c < m_channels; ++c) {
        runMean[c] = (1 - m) * runMean[c] + m * mean[c];
        runVar[c] = (1 - m) * runVar[c] + m * var[c] * unbias;
      }
    } else {
      bind(m_runMean, runMean);
      bind(m_runVar, runVar);
      map.insert({DNNL_ARG_MEAN, m_runMean});
      map.insert({DNNL_ARG_VARIANCE, m_runVar});
      execute(m_infer, std::move(map), m_inferPd.scratchpad_desc());
    }
    m_lastForwardTrained = args.training;
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    if (!m_bwd) return internalError("BatchNorm kernel: backward on an inference kernel");
    if (!args.diffDst) return internalError("BatchNorm kernel: backward without diffDst");
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    Tensor* diffGamma = args.diffParams.size() > kGamma ? args.diffParams[kGamma] : nullptr;
    Tensor* diffBeta = args.diffParams.size() > kBeta ? args.diffParams[kBeta] : nullptr;
    if (!diffSrc && !diffGamma && !diffBeta) return Status::ok();
    // oneDNN writes all three; unwanted ones land in scratch tensors.
    if (!diffSrc) diffSrc = scratchLike(m_scratchSrc, *args.src[0]);
    if (!diffGamma) diffGamma = scratchLike(m_scratchGamma, *args.params[kGamma]);
    if (!diffBeta) diffBeta = scratchLike(m_scratchBeta, *args.params[kBeta]);

    bind(m_src, stagedInput(*args.src[0], m_outputLayout, m_srcStaging).raw());
    bind(m_diffDst, stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging).raw());
    Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_diffSrcStaging);
    bind(m_diffSrc, target.raw());
    bind(m_gamma, args.params[kGamma]->raw());
    bind(m_beta, args.params[kBeta]->raw());  // required by 2.6 with use_shift (FORMATS.md)
    bind(m_diffGamma, diffGamma->raw());
    bind(m_diffBeta, diffBeta->raw());
    ArgMap map{{DNNL_ARG_SRC, m_src},
               {DNNL_ARG_DIFF_DST, m_diffDst},
               {DNNL_ARG_SCALE, m_gamma},
               {DNNL_ARG_SHIFT, m_beta},
               {DNNL_ARG_DIFF_SRC, m_diffSrc},
               {DNNL_ARG_DIFF_SCALE, m_diffGamma},
               {DNNL_ARG_DIFF_SHIFT, m_diffBeta}};
    if (args.training) {
      if (!m_lastForwardTrained)
        return internalError("BatchNorm kernel: training backward after an inference forward");
      map.insert({DNNL_ARG_MEAN, m_batchMean});
      map.insert({DNNL_ARG_VARIANCE, m_batchVar});
      execute(m_bwd, std::move(map), m_bwdPd.scratchpad_desc());
    } else {
      bind(m_runMean, args.params[kRunningMean]->raw());
      bind(m_runVar, args.params[kRunningVar]->raw());
      map.insert({DNNL_ARG_MEAN, m_runMean});
      map.insert({DNNL_ARG_VARIANCE, m_runVar});
      execute(m_bwdGlobal, std::move(map), m_bwdGlobalPd.scratchpad_desc());
    }
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  static Tensor* scratchLike(Tensor& scratch, const Tensor& like) {
    if (scratch.empty() || scratch.dims() != like.dims())
      scratch = Tensor(like.dims(), DType::F32, like.layout());
    return &scratch;
  }

  std::int64_t m_channels, m_count;
  float m_momentum;
  bool m_lastForwardTrained = false;
  batch_normalization_forward::primitive_desc m_inferPd, m_trainPd;
  batch_normalization_forward m_infer, m_train;
  batch_normalization_backward::primitive_desc m_bwdPd, m_bwdGlobalPd;
  batch_normalization_backward m_bwd, m_bwdGlobal;
  memory m_src, m_dst, m_gamma, m_beta, m_runMean, m_runVar, m_batchMean, m_batchVar;
  memory m_diffDst, m_diffSrc, m_diffGamma, m_diffBeta;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
  Tensor m_scratchSrc, m_scratchGamma, m_scratchBeta;
};

}  // namespace

KernelOrWhy makeBatchNormKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 ||
      (request.inputDims[0].size() != 2 && request.inputDims[0].size() != 4))
    return unsupported("BatchNorm kernel needs one [N, C] or [N, C, H, W] input");
  if (request.shape->params.size() != 4)
    return unsupported("BatchNorm kernel expects params gamma, beta, running_mean, running_var");
  return guardedCreate("batch_normalization", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<BatchNormKernel>(request));
  });
}

}  // namespace loom::cpu
