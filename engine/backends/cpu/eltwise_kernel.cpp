// The element-wise activations on oneDNN eltwise: eltwiseSpec() maps each op (and its
// attributes) to an algorithm.
//
// Elementwise results do not depend on the physical order, so the primitive sees a flat
// 1-D tensor and the kernel keeps whatever layout its neighbours use (NHWC for rank 4).
// Where oneDNN has a *_use_dst_for_bwd algorithm, backward reads args.dst (the forward
// output, which the plan keeps for the step); otherwise it reads the source.
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/backends/cpu/unary_kernel.h"

namespace loom::cpu {

namespace {

using dnnl::algorithm;
using dnnl::eltwise_backward;
using dnnl::eltwise_forward;
using dnnl::prop_kind;

struct EltwiseSpec {
  algorithm alg;
  float alpha = 0;
  bool useDst = true;  ///< backward reads dst (else src)
};

class EltwiseKernel final : public UnaryKernel<eltwise_forward, eltwise_backward> {
 public:
  EltwiseKernel(const KernelRequest& r, const EltwiseSpec& e) : UnaryKernel(r, "eltwise") {
    const memory::desc flat = flatDesc(numElements(r.inputDims[0]));
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;
    const auto fwdPd = eltwise_forward::primitive_desc(
        eltwise_forward::desc(prop, e.alg, flat, e.alpha, 0), attr, cpuEngine());
    eltwise_backward::primitive_desc bwdPd;
    if (wantsBackward(r))
      bwdPd = eltwise_backward::primitive_desc(
          eltwise_backward::desc(e.alg, flat, flat, e.alpha, 0), attr, cpuEngine(), fwdPd);
    setUp(flat, fwdPd, bwdPd, e.useDst ? BackwardReads::Dst : BackwardReads::Src);
    std::string impl = "onednn:eltwise(" + implOf(fwdPd);
    if (bwdPd) impl += ", bwd " + implOf(bwdPd);
    setImplName(impl + ")");
  }
};

Expected<EltwiseSpec> eltwiseSpec(const std::string& op, const Attrs& attrs) {
  // dst-based backward needs an invertible forward: alpha >= 0 for ReLU and ELU.
  if (op == "ReLU") return EltwiseSpec{algorithm::eltwise_relu_use_dst_for_bwd, 0, true};
  if (op == "LeakyReLU") {
    const float a = static_cast<float>(attrs.f("alpha"));
    if (a >= 0) return EltwiseSpec{algorithm::eltwise_relu_use_dst_for_bwd, a, true};
    return EltwiseSpec{algorithm::eltwise_relu, a, false};
  }
  if (op == "ELU") {
    const float a = static_cast<float>(attrs.f("alpha"));
    if (a >= 0) return EltwiseSpec{algorithm::eltwise_elu_use_dst_for_bwd, a, true};
    return EltwiseSpec{algorithm::eltwise_elu, a, false};
  }
  if (op == "GELU") {  // not invertible: backward reads src
    const bool tanh = attrs.s("approximate") == "tanh";
    return EltwiseSpec{tanh ? algorithm::eltwise_gelu_tanh : algorithm::eltwise_gelu_erf, 0, false};
  }
  if (op == "Sigmoid") return EltwiseSpec{algorithm::eltwise_logistic_use_dst_for_bwd, 0, true};
  if (op == "Tanh") return EltwiseSpec{algorithm::eltwise_tanh_use_dst_for_bwd, 0, true};
  return unsupported("no oneDNN eltwise algorithm for op " + op);
}

}  // namespace

KernelOrWhy makeEltwiseKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1) return unsupported("eltwise kernel needs one input");
  if (request.shape->output != request.inputDims[0])
    return unsupported("eltwise kernel needs output dims equal to input dims");
  auto spec = eltwiseSpec(request.op->schema().name, *request.attrs);
  if (!spec) return spec.status();
  return guardedCreate("eltwise", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<EltwiseKernel>(request, *spec));
  });
}

}  // namespace loom::cpu
