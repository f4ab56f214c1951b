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

    // Forward keeps brgemm on blocked weights even though, in training, that costs a reorder
    // per step: brgemm sums each sample's row in the same order whatever the batch size, so a
    // sample's output does not depend on its batch. oneDNN's gemm on plain weights was faster
    // (fc1 of the CNN, 128 x 3136 -> 1024: 3.3 vs 1.9 + 2.6 ms reorder) but blocks by the
    // batch, and 4 ranks x 16 then drifted from 1 process x 64 by 0.24 after 200 steps
    // (dist_data_parallel_matches_one_process, 1e-5; brgemm: 5.3e-7).
    const auto fwdPd = inner_product_forward::primitive_desc(
        inner_product_forward::desc(prop, md.src, anyDesc(weights), md.bias, md.dst), attr,
        cpuEngine());
    inner_product_backward_data::primitive_desc bwdDataPd;
    inner_product_backward_weights::primitive_desc bwdWPd;
    // Backward-data of fixed weights (an explanation's input gradient) reads them plain:
    // oneDNN's gemm there was as fast or faster than brgemm on blocked ones at every Dense
    // shape of the examples (1.93 vs 2.25 ms at 64 x 3136 -> 1024, 1 thread). Training keeps
    // the blocked copy the forward made: plain backward kernels (backward-data and a plain
    // weight gradient, about 2.6 % faster per CNN step) changed the trained CNN's rounding
    // enough to move its t-SNE below sklearn's trustworthiness (embed_quality_test: 0.996744
    // vs 0.996770 with them, 0.996659 vs 0.996648 without), a test on a 1e-5 edge.
    const memory::desc bwdDataWeights = r.constantParameters ? md.userWeights : anyDesc(weights);
    if (r.training) {
      if (wantsDiffSrc())
        bwdDataPd = inner_product_backward_data::primitive_desc(
            inner_product_backward_data::desc(md.src, bwdDataWeights, md.dst), attr, cpuEngine(),
            fwdPd);
      bwdWPd = inner_product_backward_weights::primitive_desc(
          inner_product_backward_weights::desc(md.src, anyDesc(weights), md.bias, md.dst), attr,
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
