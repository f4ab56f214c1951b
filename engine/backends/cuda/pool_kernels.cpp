// MaxPool2D, AvgPool2D (padding included or excluded) and GlobalAvgPool on cuDNN pooling,
// NCHW in and out (GlobalAvgPool's [N, C] output is the same bytes as [N, C, 1, 1]).
//
// cuDNN's pooling backward reads the forward's source and output besides diffDst: backward
// uploads the source and recomputes the output on the device (cheaper than a second copy,
// and it does not rely on the plan keeping the output alive). Max pooling uses cuDNN's
// deterministic mode unless LOOM_CUDA_DETERMINISTIC=0.
//
// cuDNN pads both sides of a dimension equally. Asymmetric pads (TensorFlow's "same" with an
// odd total) are applied explicitly for max pooling (-inf; max pooling does so for any padding)
// and for averages that count the padding (zeros): the input is copied into a padded buffer
// (device_kernels.cu), cuDNN pools it unpadded, and backward crops the gradient. An average that
// excludes the padding cannot be written that way and is declined (it runs on the CPU backend).
#include <cmath>

#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"
#include "engine/ops/pool2d_common.h"

namespace loom::cuda {

namespace {

enum class PoolKind { Max, AvgIncludePad, AvgExcludePad };

struct PoolSpec {
  PoolKind kind = PoolKind::Max;
  Window2D window;
  Dims dst;  ///< [N, C, outH, outW]
  const char* name;
};

class PoolKernel final : public CudaKernel {
 public:
  PoolKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r), m_backward(wantsDiffSrc(r)) {}

  Status init(const KernelRequest& r, const PoolSpec& p) {
    const Dims& in = r.inputDims[0];
    const Window2D& w = p.window;
    // Max pooling pads explicitly with -inf whenever it pads: that is the op's rule (padding
    // never wins), stated rather than left to how cuDNN treats its own padding.
    const bool padded = w.padTop + w.padBottom + w.padLeft + w.padRight > 0;
    m_explicitPad =
        w.padTop != w.padBottom || w.padLeft != w.padRight || (p.kind == PoolKind::Max && padded);
    m_padValue = p.kind == PoolKind::Max ? -INFINITY : 0.0f;
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
    LOOM_RETURN_IF_ERROR(setNchw(m_yDesc, p.dst[0], p.dst[1], p.dst[2], p.dst[3]));
    cudnnPoolingMode_t mode = CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;
    if (p.kind == PoolKind::Max)
      mode = ctx().options().deterministic ? CUDNN_POOLING_MAX_DETERMINISTIC : CUDNN_POOLING_MAX;
    else if (p.kind == PoolKind::AvgIncludePad)
      mode = CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING;
    LOOM_RETURN_IF_ERROR(m_poolDesc.create());
    LOOM_CUDNN_CHECK(cudnnSetPooling2dDescriptor(m_poolDesc.get(), mode, CUDNN_NOT_PROPAGATE_NAN,
                                                 static_cast<int>(w.kH), static_cast<int>(w.kW),
                                                 padH, padW, static_cast<int>(w.strideH),
                                                 static_cast<int>(w.strideW)));
    int n = 0, ch = 0, h = 0, wo = 0;
    LOOM_CUDNN_CHECK(
        cudnnGetPooling2dForwardOutputDim(m_poolDesc.get(), m_xDesc.get(), &n, &ch, &h, &wo));
    if (Dims{n, ch, h, wo} != p.dst)
      return unsupported("cuDNN's pooling output " + dimsToString({n, ch, h, wo}) +
                         " differs from the op's " + dimsToString(p.dst));
    m_xBytes = static_cast<size_t>(m_planes * m_paddedH * m_paddedW) * sizeof(float);
    m_yBytes = static_cast<size_t>(numElements(p.dst)) * sizeof(float);
    setImplName(std::string("cudnn:") + p.name + "(mode " + std::to_string(static_cast<int>(mode)) +
                (m_explicitPad ? ", explicit pad, " : ", ") + ctx().description() + ")");
    return Status::ok();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "pooling"));
    LOOM_RETURN_IF_ERROR(uploadInput(*args.src[0]));
    LOOM_RETURN_IF_ERROR(pool());
    return download(ctx(), m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = diffSrcAt(args, 0);
    if (!diffSrc) return Status::ok();
    if (!m_backward) return internalError("pooling kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("pooling kernel: backward without diffDst");
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(uploadInput(*args.src[0]));
    LOOM_RETURN_IF_ERROR(pool());
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    LOOM_RETURN_IF_ERROR(m_dx.reserve(m_xBytes));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnPoolingBackward(c.cudnn(), m_poolDesc.get(), &one, m_yDesc.get(),
                                          m_y.get(), m_yDesc.get(), m_dy.get(), m_xDesc.get(),
                                          m_x.get(), &zero, m_xDesc.get(), m_dx.get()));
    if (!m_explicitPad) return download(c, m_dx, *diffSrc, m_staging);
    // The padding's gradient is dropped.
    LOOM_RETURN_IF_ERROR(m_dxCropped.reserve(diffSrc->bytes()));
    LOOM_CUDA_CHECK(launchCrop2d(m_dx.f32(), m_dxCropped.f32(), m_planes, m_inH, m_inW, m_padTop,
                                 m_padLeft, m_paddedH, m_paddedW, stream()));
    return download(c, m_dxCropped, *diffSrc, m_staging);
  }

 private:
  // The input into m_x: as is, or (asymmetric pads) padded with m_padValue.
  Status uploadInput(const Tensor& src) {
    Context& c = ctx();
    if (!m_explicitPad) return upload(c, src, m_x, m_staging);
    LOOM_RETURN_IF_ERROR(upload(c, src, m_xUnpadded, m_staging));
    LOOM_RETURN_IF_ERROR(m_x.reserve(m_xBytes));
    LOOM_CUDA_CHECK(launchPad2d(m_xUnpadded.f32(), m_x.f32(), m_planes, m_inH, m_inW, m_padTop,
                                m_padLeft, m_paddedH, m_paddedW, m_padValue, stream()));
    return Status::ok();
  }

  // m_y = pool(m_x).
  Status pool() {
    LOOM_RETURN_IF_ERROR(m_y.reserve(m_yBytes));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnPoolingForward(ctx().cudnn(), m_poolDesc.get(), &one, m_xDesc.get(),
                                         m_x.get(), &zero, m_yDesc.get(), m_y.get()));
    return Status::ok();
  }

  bool m_backward, m_explicitPad = false;
  float m_padValue = 0;
  std::int64_t m_planes = 0, m_inH = 0, m_inW = 0, m_padTop = 0, m_padLeft = 0;
  std::int64_t m_paddedH = 0, m_paddedW = 0;
  size_t m_xBytes = 0, m_yBytes = 0;
  TensorDesc m_xDesc, m_yDesc;
  PoolDesc m_poolDesc;
  DeviceBuffer m_x, m_y, m_dy, m_dx;
  DeviceBuffer m_xUnpadded, m_dxCropped;  ///< asymmetric pads only
  Tensor m_staging;
};

KernelOrWhy makePool(const KernelRequest& r, const ContextPtr& ctx, const PoolSpec& spec) {
  const Window2D& w = spec.window;
  if ((w.padTop != w.padBottom || w.padLeft != w.padRight) && spec.kind == PoolKind::AvgExcludePad)
    return unsupported("an average excluding asymmetric padding (top " + std::to_string(w.padTop) +
                       ", bottom " + std::to_string(w.padBottom) + ", left " +
                       std::to_string(w.padLeft) + ", right " + std::to_string(w.padRight) +
                       "): cuDNN pads both sides equally, and explicit padding would be counted");
  const Dims& in = r.inputDims[0];
  if (!fitsInt(
          {w.kH, w.kW, w.padTop, w.padLeft, w.strideH, w.strideW, in[2] + w.padTop + w.padBottom,
           in[3] + w.padLeft + w.padRight,
           in[0] * in[1] * (in[2] + w.padTop + w.padBottom) * (in[3] + w.padLeft + w.padRight)}))
    return unsupported(std::string(spec.name) + " geometry exceeds cuDNN's int arguments");
  auto kernel = std::make_unique<PoolKernel>(ctx, r);
  LOOM_RETURN_IF_ERROR(declined(kernel->init(r, spec), spec.name));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

Expected<PoolSpec> windowedSpec(const KernelRequest& r, PoolKind kind, const char* name) {
  if (r.inputDims.size() != 1 || r.inputDims[0].size() != 4)
    return unsupported(std::string(name) + " kernel needs one [N, C, H, W] input");
  auto window = pool2dWindow(r.inputDims[0], *r.attrs);
  if (!window) return window.status();
  const Dims& out = r.shape->output;
  if (out.size() != 4 || out[2] != window->outH || out[3] != window->outW)
    return unsupported(std::string(name) + " output " + dimsToString(out) +
                       " disagrees with the window " + std::to_string(window->outH) + "x" +
                       std::to_string(window->outW));
  return PoolSpec{kind, *window, out, name};
}

}  // namespace

KernelOrWhy makeMaxPool2DKernel(const KernelRequest& request, const ContextPtr& ctx) {
  auto spec = windowedSpec(request, PoolKind::Max, "max_pool");
  if (!spec) return spec.status();
  return makePool(request, ctx, *spec);
}

KernelOrWhy makeAvgPool2DKernel(const KernelRequest& request, const ContextPtr& ctx) {
  const bool includePad = request.attrs->b("count_include_pad");
  auto spec = windowedSpec(request, includePad ? PoolKind::AvgIncludePad : PoolKind::AvgExcludePad,
                           "avg_pool");
  if (!spec) return spec.status();
  return makePool(request, ctx, *spec);
}

KernelOrWhy makeGlobalAvgPoolKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 4)
    return unsupported("GlobalAvgPool kernel needs one [N, C, H, W] input");
  const Dims& in = request.inputDims[0];
  const Dims& out = request.shape->output;
  if (out.size() != 2 || out[0] != in[0] || out[1] != in[1])
    return unsupported("GlobalAvgPool kernel expects output [N, C], the op inferred " +
                       dimsToString(out));
  PoolSpec spec;
  spec.kind = PoolKind::AvgExcludePad;
  spec.window.inH = in[2];
  spec.window.inW = in[3];
  spec.window.kH = spec.window.strideH = in[2];
  spec.window.kW = spec.window.strideW = in[3];
  spec.window.outH = spec.window.outW = 1;
  spec.dst = {in[0], in[1], 1, 1};
  spec.name = "global_avg_pool";
  return makePool(request, ctx, spec);
}

}  // namespace loom::cuda
