// Flatten ([N, d1, d2, ...] -> [N, d1 * d2 * ...]) and Reshape ([N, ...] -> [N] + shape):
// the same elements in Plain (row-major) order under other dims, a copy.
//
// The CUDA kernels keep every activation Plain, so the bytes do not change: with host-
// resident tensors (cuda_util.h) this is a host copy (converting an NHWC input on the way,
// should one arrive), and sending the tensor to the device and back would only add two
// transfers. With device residency it becomes a relabel of the device buffer. The kernel
// exists so that a CUDA plan does not fall back to the CPU Flatten, which wants NHWC input
// and would make the executor insert a layout conversion (the CPU backend has no Reshape:
// it runs the reference copy).
#include <cstring>

#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/ops/op_helpers.h"

namespace loom::cuda {

namespace {

class CopyKernel final : public CudaKernel {
 public:
  CopyKernel(const ContextPtr& c, const KernelRequest& r, const char* op)
      : CudaKernel(c, r), m_op(op) {
    setImplName(std::string("cuda:") + op + "(host copy, " + c->description() + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, m_op));
    copyPlain(*args.src[0], *args.dst);
    return Status::ok();
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = diffSrcAt(args, 0);
    if (!diffSrc) return Status::ok();
    if (!args.diffDst)
      return internalError(std::string(m_op) + " kernel: backward without diffDst");
    copyPlain(*args.diffDst, *diffSrc);
    return Status::ok();
  }

 private:
  // `to` = `from` with the other's dims, both read in Plain order.
  void copyPlain(const Tensor& from, Tensor& to) {
    const Tensor& src = from.layout() == Layout::Plain ? from : staged(from, m_in);
    if (to.layout() == Layout::Plain || layoutsShareBytes(to.dims())) {
      std::memcpy(to.raw(), src.raw(), to.bytes());
      return;
    }
    to.assignConverted(src.reshaped(to.dims()));
  }

  static const Tensor& staged(const Tensor& t, Tensor& staging) {
    if (layoutsShareBytes(t.dims())) return t;
    if (staging.empty() || staging.dims() != t.dims()) staging = Tensor(t.dims());
    staging.assignConverted(t);
    return staging;
  }

  const char* m_op;
  Tensor m_in;
};

}  // namespace

KernelOrWhy makeFlattenKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1 || request.inputDims[0].empty())
    return unsupported("Flatten kernel needs one input");
  const Dims& in = request.inputDims[0];
  if (request.shape->output != Dims{in[0], productFrom(in, 1)})
    return unsupported("Flatten kernel expects output [N, product of the rest], the op inferred " +
                       dimsToString(request.shape->output));
  return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>(ctx, request, "flatten"));
}

KernelOrWhy makeReshapeKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1) return unsupported("Reshape kernel needs one input");
  if (numElements(request.shape->output) != numElements(request.inputDims[0]))
    return unsupported("Reshape kernel needs as many output elements as input elements");
  return std::unique_ptr<Kernel>(std::make_unique<CopyKernel>(ctx, request, "reshape"));
}

}  // namespace loom::cuda
