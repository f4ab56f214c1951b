// Softmax on oneDNN softmax along any axis: NHWC for rank 4 (the axis stays logical),
// row-major otherwise. Backward reads args.dst (the forward output).
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/backends/cpu/unary_kernel.h"
#include "engine/ops/op_helpers.h"

namespace loom::cpu {

namespace {

using dnnl::prop_kind;
using dnnl::softmax_backward;
using dnnl::softmax_forward;

class SoftmaxKernel final : public UnaryKernel<softmax_forward, softmax_backward> {
 public:
  SoftmaxKernel(const KernelRequest& r, int axis) : UnaryKernel(r, "Softmax") {
    const memory::desc md = tensorDesc(r.inputDims[0], m_outputLayout);
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;
    const auto fwdPd =
        softmax_forward::primitive_desc(softmax_forward::desc(prop, md, axis), attr, cpuEngine());
    softmax_backward::primitive_desc bwdPd;
    if (wantsBackward(r))
      bwdPd = softmax_backward::primitive_desc(softmax_backward::desc(md, md, axis), attr,
                                               cpuEngine(), fwdPd);
    setUp(md, fwdPd, bwdPd, BackwardReads::Dst);
    std::string impl = "onednn:softmax(" + implOf(fwdPd);
    if (bwdPd) impl += ", bwd " + implOf(bwdPd);
    setImplName(impl + ")");
  }
};

}  // namespace

KernelOrWhy makeSoftmaxKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1) return unsupported("Softmax kernel needs one input");
  auto axis = resolveAxis(request.attrs->i("axis"), request.inputDims[0], "axis");
  if (!axis) return axis.status();
  return guardedCreate("softmax", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<SoftmaxKernel>(request, *axis));
  });
}

}  // namespace loom::cpu
