// Dense on oneDNN inner_product: forward, backward-data, backward-weights (+ bias).
#include "engine/backends/cpu/cpu_kernels.h"
#include "engine/backends/cpu/onednn_util.h"
#include "engine/backends/cpu/weighted_kernel.h"

namespace loom::cpu {

namespace {

using dnnl::inner_product_backward_data;
using dnnl::inner_product_backward_weights;
using dnnl::inner_product_forward;
using dnnl::prop_kind;

class DenseKernel final : public WeightedKernel<inner_product_forward, inner_product_backward_data,
                                                inner_product_backward_weights> {
 public:
  DenseKernel(const KernelRequest& r) : WeightedKernel(r, Layout::Plain, "Dense") {
    const Dims& dst = r.shape->output;
    const Dims& weights = r.shape->params[0].dims;
    WeightedDescs md;
    md.src = plainDesc(r.inputDims[0]);
    md.dst = plainDesc(dst);
    md.bias = hasBias() ? plainDesc({dst[1]}) : memory::desc();
    md.userWeights = plainDesc(weights);
    const auto attr = scratchpadAttr();
    const prop_kind prop = r.training ? prop_kind::forward_training : prop_kind::forward_inference;

    // Weights the optimizer rewrites every step stay plain: a reorder into the blocked format
    // brgemm prefers, and the gradient's reorder back, cost more than brgemm gains (training
    // fc1 of the CNN, 128 x 3136 -> 1024, 1 thread: forward + backward-weights 13.3 ms blocked
    // with reorders, 11.2 ms plain through oneDNN's gemm; docs/backend-cpu.md). Weights that
    // stay fixed (KernelRequest::constantParameters) are reordered once and brgemm wins.
    const memory::desc fwdWeights = r.constantParameters ? anyDesc(weights) : md.userWeights;
    const auto fwdPd = inner_product_forward::primitive_desc(
        inner_product_forward::desc(prop, md.src, fwdWeights, md.bias, md.dst), attr, cpuEngine());
    inner_product_backward_data::primitive_desc bwdDataPd;
    inner_product_backward_weights::primitive_desc bwdWPd;
    if (r.training) {
      // Backward-data and backward-weights use the weights as ParameterSet stores them:
      // oneDNN's gemm on plain weights was as fast or faster than brgemm on blocked ones at
      // every Dense shape of the examples (backward-data 1.93 vs 2.25 ms at 64 x 3136 -> 1024,
      // 1 thread), and the gradient lands where the optimizer reads it, with no reorder.
      if (wantsDiffSrc())
        bwdDataPd = inner_product_backward_data::primitive_desc(
            inner_product_backward_data::desc(md.src, md.userWeights, md.dst), attr, cpuEngine(),
            fwdPd);
      bwdWPd = inner_product_backward_weights::primitive_desc(
          inner_product_backward_weights::desc(md.src, md.userWeights, md.bias, md.dst), attr,
          cpuEngine(), fwdPd);
    }
    setUp(md, fwdPd, bwdDataPd, bwdWPd);

    std::string impl = "onednn:inner_product(" + implOf(fwdPd);
    if (r.training) {
      if (wantsDiffSrc()) impl += ", bwd_data " + implOf(bwdDataPd);
      impl += ", bwd_weights " + implOf(bwdWPd);
    }
    setImplName(impl + ")");
  }
};

}  // namespace

KernelOrWhy makeDenseKernel(const KernelRequest& request) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 2)
    return unsupported("Dense kernel needs one [N, features] input");
  return guardedCreate("inner_product", [&]() -> KernelOrWhy {
    return std::unique_ptr<Kernel>(std::make_unique<DenseKernel>(request));
  });
}

}  // namespace loom::cpu
