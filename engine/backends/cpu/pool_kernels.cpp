// MaxPool2D (with workspace), AvgPool2D (padding included or excluded) and GlobalAvgPool
// on oneDNN pooling, NHWC in and out (GlobalAvgPool writes [N, C], which is the same bytes
// as NHWC [N, C, 1, 1]).
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/ops/pool2d_common.h"

namespace loom::cpu {

namespace {

using dnnl::algorithm;
using dnnl::pooling_backward;
using dnnl::pooling_forward;
using dnnl::prop_kind;

struct PoolSpec {
  algorithm alg = algorithm::pooling_max;
  Window2D window;
  Dims dst;          ///< [N, C, outH, outW]
  Layout dstLayout;  ///< NHWC, or Plain for GlobalAvgPool's [N, C]
  const char* name;
};

class PoolKernel final : public OnednnKernel {
 public:
  PoolKernel(const KernelRequest& r, const PoolSpec& p)
      : OnednnKernel({Layout::NHWC}, p.dstLayout) {
    const Window2D& w = p.window;
    const memory::desc srcMd = tensorDesc(r.inputDims[0], Layout::NHWC);
    const memory::desc dstMd = tensorDesc(p.dst, Layout::NHWC);
    const memory::dims strides{w.strideH, w.strideW}, kernel{w.kH, w.kW};
    const memory::dims padL{w.padTop, w.padLeft}, padR{w.padBottom, w.padRight};
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;
    m_fwdPd = pooling_forward::primitive_desc(
        pooling_forward::desc(prop, p.alg, srcMd, dstMd, strides, kernel, padL, padR), attr,
        cpuEngine());
    m_fwd = pooling_forward(m_fwdPd);
    m_src = unbound(srcMd);
    m_dst = unbound(dstMd);
    // Max pooling remembers the argmax of each window for backward.
    if (m_fwdPd.workspace_desc().get_size() > 0)
      m_workspace = memory(m_fwdPd.workspace_desc(), cpuEngine());
    std::string impl = std::string("onednn:") + p.name + "(" + implOf(m_fwdPd);
    if (r.training && (r.needsDiffSrc.empty() || r.needsDiffSrc[0])) {
      m_bwdPd = pooling_backward::primitive_desc(
          pooling_backward::desc(p.alg, srcMd, dstMd, strides, kernel, padL, padR), attr,
          cpuEngine(), m_fwdPd);
      m_bwd = pooling_backward(m_bwdPd);
      m_diffSrc = unbound(srcMd);
      m_diffDst = unbound(dstMd);
      impl += ", bwd " + implOf(m_bwdPd);
    }
    setImplName(impl + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, "pooling"));
    bind(m_src, stagedInput(*args.src[0], Layout::NHWC, m_srcStaging).raw());
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
    bind(m_dst, dst.raw());
    ArgMap map{{DNNL_ARG_SRC, m_src}, {DNNL_ARG_DST, m_dst}};
    if (m_workspace) map.insert({DNNL_ARG_WORKSPACE, m_workspace});
    execute(m_fwd, std::move(map), m_fwdPd.scratchpad_desc());
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = args.diffSrc.empty() ? nullptr : args.diffSrc[0];
    if (!diffSrc) return Status::ok();
    if (!m_bwd) return internalError("pooling kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("pooling kernel: backward without diffDst");
    bind(m_diffDst, stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging).raw());
    Tensor& target = stagedOutput(*diffSrc, Layout::NHWC, m_diffSrcStaging);
    bind(m_diffSrc, target.raw());
    ArgMap map{{DNNL_ARG_DIFF_DST, m_diffDst}, {DNNL_ARG_DIFF_SRC, m_diffSrc}};
    if (m_workspace) map.insert({DNNL_ARG_WORKSPACE, m_workspace});
    execute(m_bwd, std::move(map), m_bwdPd.scratchpad_desc());
    finishOutput(*diffSrc, target);
    return Status::ok();
  }

 private:
  pooling_forward::primitive_desc m_fwdPd;
  pooling_forward m_fwd;
  pooling_backward::primitive_desc m_bwdPd;
  pooling_backward m_bwd;
  memory m_src, m_dst, m_diffSrc, m_diffDst, m_workspace;
  Tensor m_srcStaging, m_dstStaging, m_diffDstStaging, m_diffSrcStaging;
};

KernelOrWhy makePool(const KernelRequest& r, const PoolSpec& spec) {
  return guardedCreate("pooling", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<PoolKernel>(r, spec));
  });
}

Expected<PoolSpec> windowedSpec(const KernelRequest& r, algorithm alg, const char* name) {
  if (r.inputDims.size() != 1 || r.inputDims[0].size() != 4)
    return unsupported(std::string(name) + " kernel needs one [N, C, H, W] input");
  auto window = pool2dWindow(r.inputDims[0], *r.attrs);
  if (!window) return window.status();
  const Dims& out = r.shape->output;
  if (out.size() != 4 || out[2] != window->outH || out[3] != window->outW)
    return unsupported(std::string(name) + " output " + dimsToString(out) +
                       " disagrees with the window " + std::to_string(window->outH) + "x" +
                       std::to_string(window->outW));
  return PoolSpec{alg, *window, out, Layout::NHWC, name};
}

}  // namespace

KernelOrWhy makeMaxPool2DKernel(const KernelRequest& request) {
  auto spec = windowedSpec(request, algorithm::pooling_max, "max_pool");
  if (!spec) return spec.status();
  return makePool(request, *spec);
}

KernelOrWhy makeAvgPool2DKernel(const KernelRequest& request) {
  const bool includePad = request.attrs->b("count_include_pad");
  auto spec = windowedSpec(
      request,
      includePad ? algorithm::pooling_avg_include_padding : algorithm::pooling_avg_exclude_padding,
      "avg_pool");
  if (!spec) return spec.status();
  return makePool(request, *spec);
}

KernelOrWhy makeGlobalAvgPoolKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 4)
    return unsupported("GlobalAvgPool kernel needs one [N, C, H, W] input");
  const Dims& in = request.inputDims[0];
  const Dims& out = request.shape->output;
  if (out.size() != 2 || out[0] != in[0] || out[1] != in[1])
    return unsupported("GlobalAvgPool kernel expects output [N, C], the op inferred " +
                       dimsToString(out));
  PoolSpec spec;
  spec.alg = algorithm::pooling_avg_exclude_padding;
  spec.window.inH = in[2];
  spec.window.inW = in[3];
  spec.window.kH = spec.window.strideH = in[2];
  spec.window.kW = spec.window.strideW = in[3];
  spec.window.outH = spec.window.outW = 1;
  spec.dst = {in[0], in[1], 1, 1};
  spec.dstLayout = Layout::Plain;
  spec.name = "global_avg_pool";
  return makePool(request, spec);
}

}  // namespace loom::cpu
