// Add (oneDNN sum over n inputs) and Concat (oneDNN concat; backward reorders each slice
// of diffDst out through a sub-memory descriptor). Both keep NHWC for rank 4, so a
// residual join or a channel concat between convolutions costs no layout conversion.
#include <cstring>

#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/ops/op_helpers.h"

namespace loom::cpu {

namespace {

// Base of Add and Concat: one primitive joins n inputs into the output, every tensor in
// the layout activationLayout() gives the output (other layouts are staged).
class JoinKernel : public OnednnKernel {
 protected:
  explicit JoinKernel(const KernelRequest& r)
      : OnednnKernel({activationLayout(r.shape->output)}, activationLayout(r.shape->output)),
        m_staging(r.inputDims.size()) {}

  // Binds input i to m_src[i] (as DNNL_ARG_MULTIPLE_SRC + i) and the output to m_dst, and
  // runs `prim`.
  Status runJoin(KernelArgs& args, const dnnl::primitive& prim, const memory::desc& scratchpad,
                 const char* op) {
    LOOM_RETURN_IF_ERROR(checkArgs(args, m_src.size(), 0, op));
    ArgMap map;
    for (size_t i = 0; i < m_src.size(); ++i) {
      bind(m_src[i], stagedInput(*args.src[i], m_outputLayout, m_staging[i]).raw());
      map.insert({DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), m_src[i]});
    }
    Tensor& dst = stagedOutput(*args.dst, m_outputLayout, m_dstStaging);
    bind(m_dst, dst.raw());
    map.insert({DNNL_ARG_DST, m_dst});
    execute(prim, std::move(map), scratchpad);
    finishOutput(*args.dst, dst);
    return Status::ok();
  }

  std::vector<memory> m_src;      ///< one per input, filled by the derived constructor
  memory m_dst;                   ///< set by the derived constructor
  std::vector<Tensor> m_staging;  ///< one per input
  Tensor m_dstStaging;
};

class AddKernel final : public JoinKernel {
 public:
  AddKernel(const KernelRequest& r) : JoinKernel(r) {
    const size_t n = r.inputDims.size();
    const memory::desc flat = flatDesc(numElements(r.shape->output));
    m_pd = dnnl::sum::primitive_desc(flat, std::vector<float>(n, 1.0f),
                                     std::vector<memory::desc>(n, flat), cpuEngine(),
                                     scratchpadAttr());
    m_sum = dnnl::sum(m_pd);
    for (size_t i = 0; i < n; ++i) m_src.push_back(unbound(flat));
    m_dst = unbound(flat);
    setImplName("onednn:sum(" + implOf(m_pd) + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    return runJoin(args, m_sum, m_pd.scratchpad_desc(), "Add");
  }

  // d(sum)/d(src_i) = 1: every wanted input gets a copy of diffDst.
  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Add kernel: backward without diffDst");
    for (Tensor* diffSrc : args.diffSrc) {
      if (!diffSrc) continue;
      if (diffSrc->layout() == args.diffDst->layout())
        std::memcpy(diffSrc->raw(), args.diffDst->raw(), diffSrc->bytes());
      else
        diffSrc->assignConverted(*args.diffDst);
    }
    return Status::ok();
  }

 private:
  dnnl::sum::primitive_desc m_pd;
  dnnl::sum m_sum;
};

class ConcatKernel final : public JoinKernel {
 public:
  ConcatKernel(const KernelRequest& r, int axis) : JoinKernel(r) {
    const Dims& out = r.shape->output;
    std::vector<memory::desc> srcMds;
    for (const Dims& d : r.inputDims) srcMds.push_back(tensorDesc(d, m_outputLayout));
    const memory::desc dstMd = tensorDesc(out, m_outputLayout);
    m_pd = dnnl::concat::primitive_desc(dstMd, axis, srcMds, cpuEngine(), scratchpadAttr());
    m_concat = dnnl::concat(m_pd);
    m_dst = unbound(dstMd);
    // Backward: input i's gradient is the slice [offset_i, offset_i + size_i) of diffDst.
    memory::dims offsets(out.size(), 0);
    for (size_t i = 0; i < srcMds.size(); ++i) {
      m_src.push_back(unbound(srcMds[i]));
      if (r.training) {
        const memory::desc slice = dstMd.submemory_desc(toDnnlDims(r.inputDims[i]), offsets);
        m_slices.push_back(unbound(slice));
        m_sliceReorders.emplace_back(m_slices.back(), m_src.back());
      }
      offsets[static_cast<size_t>(axis)] += r.inputDims[i][static_cast<size_t>(axis)];
    }
    if (r.training) m_diffDst = unbound(dstMd);
    setImplName("onednn:concat(" + implOf(m_pd) + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    return runJoin(args, m_concat, m_pd.scratchpad_desc(), "Concat");
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Concat kernel: backward without diffDst");
    if (m_slices.empty()) return internalError("Concat kernel: backward on an inference kernel");
    const Tensor& diffDst = stagedInput(*args.diffDst, m_outputLayout, m_diffDstStaging);
    for (size_t i = 0; i < args.diffSrc.size() && i < m_slices.size(); ++i) {
      Tensor* diffSrc = args.diffSrc[i];
      if (!diffSrc) continue;
      Tensor& target = stagedOutput(*diffSrc, m_outputLayout, m_staging[i]);
      bind(m_slices[i], diffDst.raw());
      bind(m_src[i], target.raw());
      execute(m_sliceReorders[i], {{DNNL_ARG_FROM, m_slices[i]}, {DNNL_ARG_TO, m_src[i]}},
              memory::desc());
      finishOutput(*diffSrc, target);
    }
    return Status::ok();
  }

 private:
  dnnl::concat::primitive_desc m_pd;
  dnnl::concat m_concat;
  std::vector<memory> m_slices;
  std::vector<dnnl::reorder> m_sliceReorders;
  memory m_diffDst;
  Tensor m_diffDstStaging;
};

}  // namespace

KernelOrWhy makeAddKernel(const KernelRequest& request) {
  if (request.inputDims.size() < 2) return unsupported("Add kernel needs at least two inputs");
  for (const Dims& d : request.inputDims)
    if (d != request.shape->output)
      return unsupported("Add kernel needs every input shaped like the output " +
                         dimsToString(request.shape->output) + ", got " + dimsToString(d));
  return guardedCreate("sum", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<AddKernel>(request));
  });
}

KernelOrWhy makeConcatKernel(const KernelRequest& request) {
  if (request.inputDims.size() < 2) return unsupported("Concat kernel needs at least two inputs");
  auto axis = resolveAxis(request.attrs->i("axis"), request.shape->output, "axis");
  if (!axis) return axis.status();
  return guardedCreate("concat", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<ConcatKernel>(request, *axis));
  });
}

}  // namespace loom::cpu
