// Conv2D on cuDNN: forward, backward-data, backward-filter and the bias (cudnnAddTensor,
// cudnnConvolutionBackwardBias); NCHW float32, groups and dilation. cuDNN pads both sides of
// a dimension equally: asymmetric pads (TensorFlow's "same" with an odd total, e.g. a 3x3
// stride-2 convolution of an even input) are applied explicitly instead, by copying the input
// into a zero-padded buffer (device_kernels.cu) and running cuDNN without padding; backward-
// data then crops the padded gradient.
//
// Algorithms are chosen once per convolution shape by measuring them (cudnnFind*), or by
// cuDNN's heuristics (cudnnGet*_v7) where measuring fails, and cached for the process, so
// the training, evaluation and explanation plans of one model search once. The choice
// honours the options (cuda_util.h): deterministic algorithms only unless
// LOOM_CUDA_DETERMINISTIC=0, a workspace of at most LOOM_CUDA_WORKSPACE_MB, and the math
// type (FMA, i.e. no TF32, unless LOOM_CUDA_TF32=1).
#include <map>
#include <mutex>

#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"
#include "engine/ops/conv2d.h"

namespace loom::cuda {

namespace {

struct ConvChoice {
  cudnnConvolutionFwdAlgo_t fwd = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwdData = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
  cudnnConvolutionBwdFilterAlgo_t bwdFilter = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1;
  size_t fwdBytes = 0, bwdDataBytes = 0, bwdFilterBytes = 0;
  std::string how;  ///< "find" or "heuristic", per direction, for implName()
};

// The process-wide cache: key = device, options and the convolution's geometry.
std::mutex& cacheMutex() {
  static std::mutex m;
  return m;
}
std::map<std::string, ConvChoice>& cache() {
  static std::map<std::string, ConvChoice> c;
  return c;
}

// The first acceptable result of a search: succeeded, within the workspace limit,
// deterministic when asked, preferring the math type the descriptor was given.
template <class Perf>
const Perf* pick(const Perf* perf, int count, const Options& o, cudnnMathType_t math) {
  const Perf* fallback = nullptr;
  for (int i = 0; i < count; ++i) {
    const Perf& p = perf[i];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > o.workspaceLimit) continue;
    if (o.deterministic && p.determinism != CUDNN_DETERMINISTIC) continue;
    if (p.mathType == math) return &p;
    if (!fallback) fallback = &p;
  }
  return fallback;
}

class ConvKernel final : public CudaKernel {
 public:
  ConvKernel(const ContextPtr& c, const KernelRequest& r, std::int64_t groups)
      : CudaKernel(c, r),
        m_training(r.training),
        m_wantsDiffSrc(wantsDiffSrc(r)),
        m_hasBias(r.shape->params.size() > 1),
        m_groups(groups) {
    m_weights.keepConverted(r.constantParameters);
    m_bias.keepConverted(r.constantParameters);
  }

  Status init(const KernelRequest& r, const Window2D& w) {
    const Dims& in = r.inputDims[0];
    const Dims& out = r.shape->output;
    const Dims& wd = r.shape->params[0].dims;  // [O, I/G, kH, kW]
    Context& c = ctx();
    // cuDNN sees the padded input when the pads are asymmetric, and pads nothing itself.
    m_explicitPad = w.padTop != w.padBottom || w.padLeft != w.padRight;
    m_planes = in[0] * in[1];
    m_inH = in[2];
    m_inW = in[3];
    m_padTop = w.padTop;
    m_padLeft = w.padLeft;
    m_paddedH = in[2] + (m_explicitPad ? w.padTop + w.padBottom : 0);
    m_paddedW = in[3] + (m_explicitPad ? w.padLeft + w.padRight : 0);
    const int padH = m_explicitPad ? 0 : static_cast<int>(w.padTop);
    const int padW = m_explicitPad ? 0 : static_cast<int>(w.padLeft);
    LOOM_RETURN_IF_ERROR(setNchw(m_xDesc, in[0], in[1], m_paddedH, m_paddedW));
    LOOM_RETURN_IF_ERROR(setNchw(m_yDesc, out[0], out[1], out[2], out[3]));
    if (m_hasBias) LOOM_RETURN_IF_ERROR(setNchw(m_biasDesc, 1, out[1], 1, 1));
    LOOM_RETURN_IF_ERROR(m_wDesc.create());
    LOOM_CUDNN_CHECK(cudnnSetFilter4dDescriptor(m_wDesc.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                                static_cast<int>(wd[0]), static_cast<int>(wd[1]),
                                                static_cast<int>(wd[2]), static_cast<int>(wd[3])));
    LOOM_RETURN_IF_ERROR(m_convDesc.create());
    LOOM_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
        m_convDesc.get(), padH, padW, static_cast<int>(w.strideH), static_cast<int>(w.strideW),
        static_cast<int>(w.dilationH), static_cast<int>(w.dilationW), CUDNN_CROSS_CORRELATION,
        CUDNN_DATA_FLOAT));
    LOOM_CUDNN_CHECK(cudnnSetConvolutionGroupCount(m_convDesc.get(), static_cast<int>(m_groups)));
    LOOM_CUDNN_CHECK(cudnnSetConvolutionMathType(m_convDesc.get(), c.convMathType()));
    int n = 0, ch = 0, h = 0, wo = 0;
    LOOM_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(m_convDesc.get(), m_xDesc.get(),
                                                           m_wDesc.get(), &n, &ch, &h, &wo));
    if (Dims{n, ch, h, wo} != out)
      return unsupported("cuDNN's output " + dimsToString({n, ch, h, wo}) +
                         " differs from the op's " + dimsToString(out));
    m_xBytes = static_cast<size_t>(m_planes * m_paddedH * m_paddedW) * sizeof(float);
    m_yBytes = static_cast<size_t>(numElements(out)) * sizeof(float);
    m_wBytes = static_cast<size_t>(numElements(wd)) * sizeof(float);

    const std::string key =
        "cuda:" + std::to_string(c.device()) + " " + dimsToString(in) + " " + dimsToString(wd) +
        " g" + std::to_string(m_groups) + " p" + std::to_string(w.padTop) + "," +
        std::to_string(w.padLeft) + "," + std::to_string(w.padBottom) + "," +
        std::to_string(w.padRight) + " s" + std::to_string(w.strideH) + "," +
        std::to_string(w.strideW) + " d" + std::to_string(w.dilationH) + "," +
        std::to_string(w.dilationW) + (c.options().tf32 ? " tf32" : " fp32") +
        (c.options().deterministic ? " det" : " any") + (m_training ? " train" : " infer");
    {
      std::lock_guard<std::mutex> lock(cacheMutex());
      auto it = cache().find(key);
      if (it != cache().end()) {
        m_choice = it->second;
      } else {
        LOOM_RETURN_IF_ERROR(search());
        cache()[key] = m_choice;
      }
    }
    std::string impl = "cudnn:conv(fwd algo " + std::to_string(static_cast<int>(m_choice.fwd));
    if (m_training) {
      if (m_wantsDiffSrc)
        impl += ", bwd_data algo " + std::to_string(static_cast<int>(m_choice.bwdData));
      impl += ", bwd_filter algo " + std::to_string(static_cast<int>(m_choice.bwdFilter));
    }
    setImplName(impl + ", " + m_choice.how + (m_explicitPad ? ", explicit pad" : "") +
                (c.options().tf32 ? ", tf32, " : ", fp32, ") + c.description() + ")");
    return Status::ok();
  }

  void parametersChanged() override {
    m_weights.forget();
    m_bias.forget();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, m_hasBias ? 2 : 1, "Conv2D"));
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(uploadInput(*args.src[0]));
    LOOM_RETURN_IF_ERROR(m_weights.forward(c, *args.params[0]));
    LOOM_RETURN_IF_ERROR(m_y.reserve(m_yBytes));
    LOOM_ASSIGN_OR_RETURN(void* ws, c.workspace(m_choice.fwdBytes));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnConvolutionForward(
        c.cudnn(), &one, m_xDesc.get(), m_x.get(), m_wDesc.get(), m_weights.f32(), m_convDesc.get(),
        m_choice.fwd, ws, m_choice.fwdBytes, &zero, m_yDesc.get(), m_y.get()));
    if (m_hasBias) {
      LOOM_RETURN_IF_ERROR(m_bias.forward(c, *args.params[1]));
      LOOM_CUDNN_CHECK(cudnnAddTensor(c.cudnn(), &one, m_biasDesc.get(), m_bias.f32(), &one,
                                      m_yDesc.get(), m_y.get()));
    }
    return download(c, m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Conv2D kernel: backward without diffDst");
    Tensor* diffSrc = diffSrcAt(args, 0);
    Tensor* diffW = diffParamAt(args, 0);
    Tensor* diffB = m_hasBias ? diffParamAt(args, 1) : nullptr;
    if (!diffSrc && !diffW && !diffB) return Status::ok();
    if (!m_training) return internalError("Conv2D kernel: backward on an inference kernel");
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    const float one = 1.0f, zero = 0.0f;
    if (diffSrc) {
      if (!m_wantsDiffSrc) return internalError("Conv2D kernel: diffSrc requested but not planned");
      LOOM_RETURN_IF_ERROR(m_weights.backward(c, *args.params[0]));
      LOOM_RETURN_IF_ERROR(m_dx.reserve(m_xBytes));
      LOOM_ASSIGN_OR_RETURN(void* ws, c.workspace(m_choice.bwdDataBytes));
      LOOM_CUDNN_CHECK(cudnnConvolutionBackwardData(c.cudnn(), &one, m_wDesc.get(), m_weights.f32(),
                                                    m_yDesc.get(), m_dy.get(), m_convDesc.get(),
                                                    m_choice.bwdData, ws, m_choice.bwdDataBytes,
                                                    &zero, m_xDesc.get(), m_dx.get()));
      if (m_explicitPad) {  // the gradient of the padding is dropped
        LOOM_RETURN_IF_ERROR(m_dxCropped.reserve(diffSrc->bytes()));
        LOOM_CUDA_CHECK(launchCrop2d(m_dx.f32(), m_dxCropped.f32(), m_planes, m_inH, m_inW,
                                     m_padTop, m_padLeft, m_paddedH, m_paddedW, stream()));
        LOOM_RETURN_IF_ERROR(download(c, m_dxCropped, *diffSrc, m_staging));
      } else {
        LOOM_RETURN_IF_ERROR(download(c, m_dx, *diffSrc, m_staging));
      }
    }
    if (diffW) {
      LOOM_RETURN_IF_ERROR(uploadInput(*args.src[0]));
      LOOM_RETURN_IF_ERROR(m_dw.reserve(m_wBytes));
      LOOM_ASSIGN_OR_RETURN(void* ws, c.workspace(m_choice.bwdFilterBytes));
      LOOM_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
          c.cudnn(), &one, m_xDesc.get(), m_x.get(), m_yDesc.get(), m_dy.get(), m_convDesc.get(),
          m_choice.bwdFilter, ws, m_choice.bwdFilterBytes, &zero, m_wDesc.get(), m_dw.get()));
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_dw, *diffW));
    }
    if (diffB) {
      LOOM_RETURN_IF_ERROR(m_db.reserve(diffB->bytes()));
      LOOM_CUDNN_CHECK(cudnnConvolutionBackwardBias(c.cudnn(), &one, m_yDesc.get(), m_dy.get(),
                                                    &zero, m_biasDesc.get(), m_db.get()));
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_db, *diffB));
    }
    return Status::ok();
  }

 private:
  // The input into m_x: as is, or (asymmetric pads) zero-padded from m_xUnpadded.
  Status uploadInput(const Tensor& src) {
    Context& c = ctx();
    if (!m_explicitPad) return upload(c, src, m_x, m_staging);
    LOOM_RETURN_IF_ERROR(upload(c, src, m_xUnpadded, m_staging));
    LOOM_RETURN_IF_ERROR(m_x.reserve(m_xBytes));
    LOOM_CUDA_CHECK(launchPad2d(m_xUnpadded.f32(), m_x.f32(), m_planes, m_inH, m_inW, m_padTop,
                                m_padLeft, m_paddedH, m_paddedW, 0.0f, stream()));
    return Status::ok();
  }

  // Measures (cudnnFind*, which allocates its own buffers) or, where that fails, asks the
  // heuristics (cudnnGet*_v7) for each direction the plan runs.
  Status search() {
    Context& c = ctx();
    const Options& o = c.options();
    const cudnnMathType_t math = c.convMathType();
    cudnnHandle_t h = c.cudnn();
    std::string how;
    {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      int count = 0;
      const char* way = "find";
      if (cudnnFindConvolutionForwardAlgorithm(h, m_xDesc.get(), m_wDesc.get(), m_convDesc.get(),
                                               m_yDesc.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                               &count, perf) != CUDNN_STATUS_SUCCESS) {
        way = "heuristic";
        LOOM_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(
            h, m_xDesc.get(), m_wDesc.get(), m_convDesc.get(), m_yDesc.get(),
            CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
      }
      const auto* p = pick(perf, count, o, math);
      if (!p) return unsupported("cuDNN offers no forward algorithm within the options");
      m_choice.fwd = p->algo;
      m_choice.fwdBytes = p->memory;
      how = way;
    }
    if (!m_training) {
      m_choice.how = how;
      return Status::ok();
    }
    if (m_wantsDiffSrc) {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      int count = 0;
      const char* way = "find";
      if (cudnnFindConvolutionBackwardDataAlgorithm(
              h, m_wDesc.get(), m_yDesc.get(), m_convDesc.get(), m_xDesc.get(),
              CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf) != CUDNN_STATUS_SUCCESS) {
        way = "heuristic";
        LOOM_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
            h, m_wDesc.get(), m_yDesc.get(), m_convDesc.get(), m_xDesc.get(),
            CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
      }
      const auto* p = pick(perf, count, o, math);
      if (!p) return unsupported("cuDNN offers no backward-data algorithm within the options");
      m_choice.bwdData = p->algo;
      m_choice.bwdDataBytes = p->memory;
      how += std::string("/") + way;
    }
    {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      int count = 0;
      const char* way = "find";
      if (cudnnFindConvolutionBackwardFilterAlgorithm(
              h, m_xDesc.get(), m_yDesc.get(), m_convDesc.get(), m_wDesc.get(),
              CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf) != CUDNN_STATUS_SUCCESS) {
        way = "heuristic";
        LOOM_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
            h, m_xDesc.get(), m_yDesc.get(), m_convDesc.get(), m_wDesc.get(),
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
      }
      const auto* p = pick(perf, count, o, math);
      if (!p) return unsupported("cuDNN offers no backward-filter algorithm within the options");
      m_choice.bwdFilter = p->algo;
      m_choice.bwdFilterBytes = p->memory;
      how += std::string("/") + way;
    }
    m_choice.how = how;
    return Status::ok();
  }

  bool m_training, m_wantsDiffSrc, m_hasBias, m_explicitPad = false;
  std::int64_t m_groups;
  std::int64_t m_planes = 0, m_inH = 0, m_inW = 0, m_padTop = 0, m_padLeft = 0;
  std::int64_t m_paddedH = 0, m_paddedW = 0;
  size_t m_xBytes = 0, m_yBytes = 0, m_wBytes = 0;
  ConvChoice m_choice;
  TensorDesc m_xDesc, m_yDesc, m_biasDesc;
  FilterDesc m_wDesc;
  ConvDesc m_convDesc;
  DeviceParam m_weights, m_bias;
  DeviceBuffer m_x, m_y, m_dy, m_dx, m_dw, m_db;
  DeviceBuffer m_xUnpadded, m_dxCropped;  ///< asymmetric pads only
  Tensor m_staging;
};

}  // namespace

KernelOrWhy makeConv2DKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 4)
    return unsupported("Conv2D kernel needs one [N, C, H, W] input");
  auto window = conv2dWindow(request.inputDims[0], *request.attrs);
  if (!window) return window.status();
  const Window2D& w = *window;
  const Dims& out = request.shape->output;
  if (out.size() != 4 || out[2] != w.outH || out[3] != w.outW)
    return unsupported("Conv2D output " + dimsToString(out) + " disagrees with the window " +
                       std::to_string(w.outH) + "x" + std::to_string(w.outW));
  if (request.shape->params.empty() || request.shape->params[0].dims.size() != 4)
    return unsupported("Conv2D kernel expects [O, I/G, kH, kW] weights");
  const std::int64_t groups = request.attrs->i("groups");
  const Dims& in = request.inputDims[0];
  const std::int64_t paddedH = in[2] + w.padTop + w.padBottom;
  const std::int64_t paddedW = in[3] + w.padLeft + w.padRight;
  if (!fitsInt({w.padTop, w.padLeft, w.strideH, w.strideW, w.dilationH, w.dilationW, groups,
                paddedH, paddedW, in[0] * in[1] * paddedH * paddedW}))
    return unsupported("Conv2D geometry exceeds cuDNN's int arguments");
  for (std::int64_t d : request.shape->params[0].dims)
    if (!fitsInt({d})) return unsupported("Conv2D weights exceed cuDNN's int sizes");
  auto kernel = std::make_unique<ConvKernel>(ctx, request, groups);
  LOOM_RETURN_IF_ERROR(declined(kernel->init(request, w), "Conv2D"));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace loom::cuda
