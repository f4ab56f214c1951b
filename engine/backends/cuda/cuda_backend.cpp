// The CUDA backend: picks the kernel factory by op name (docs/backend-cuda.md). Every op the
// oneDNN CPU backend covers has a CUDA kernel here (and Reshape, which the CPU backend leaves
// to the reference kernel); anything else is declined with the
// reason, and the executor then falls back to the CPU backend (which the device's backend
// list puts second, backends/default_backends.cpp).
#include "engine/backends/cuda/cuda_backend.h"

#include <map>
#include <new>

#include "engine/backends/cuda/cuda_kernels.h"

namespace loom::cuda {

namespace {

using Factory = KernelOrWhy (*)(const KernelRequest&, const ContextPtr&);

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"Dense", makeDenseKernel},
      {"Conv2D", makeConv2DKernel},
      {"MaxPool2D", makeMaxPool2DKernel},
      {"AvgPool2D", makeAvgPool2DKernel},
      {"GlobalAvgPool", makeGlobalAvgPoolKernel},
      {"BatchNorm", makeBatchNormKernel},
      {"ReLU", makeActivationKernel},
      {"LeakyReLU", makeActivationKernel},
      {"ELU", makeActivationKernel},
      {"GELU", makeActivationKernel},
      {"Sigmoid", makeActivationKernel},
      {"Tanh", makeActivationKernel},
      {"Softmax", makeSoftmaxKernel},
      {"Add", makeAddKernel},
      {"Concat", makeConcatKernel},
      {"Flatten", makeFlattenKernel},
      {"Reshape", makeReshapeKernel},
      {"Dropout", makeDropoutKernel},
  };
  return table;
}

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(ContextPtr ctx) : m_ctx(std::move(ctx)) {}

  std::string name() const override { return "cuda"; }

  Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest& request) override {
    if (!request.op || !request.attrs || !request.shape)
      return invalidArgument("cuda backend: kernel request without op, attributes or shape");
    const std::string& op = request.op->schema().name;
    auto it = factories().find(op);
    if (it == factories().end()) return unsupported("no CUDA kernel for op " + op);
    for (const Dims& d : request.inputDims)
      if (numElements(d) > (std::int64_t{1} << 31) - 1)
        return unsupported("input " + dimsToString(d) + " exceeds cuDNN's int element count");
    // Factories call cuDNN (the convolution algorithm search runs on the device).
    std::lock_guard<std::mutex> lock(m_ctx->mutex());
    if (const cudaError_t e = cudaSetDevice(m_ctx->device()); e != cudaSuccess)
      return unsupported("cuda backend: cudaSetDevice(" + std::to_string(m_ctx->device()) +
                         ") failed: " + cudaGetErrorName(e));
    try {
      return it->second(request, m_ctx);
    } catch (const std::bad_alloc&) {
      return unsupported("cuda backend: out of host memory while creating the " + op + " kernel");
    }
  }

 private:
  ContextPtr m_ctx;
};

}  // namespace

Expected<std::unique_ptr<Backend>> makeCudaBackend(int device) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess)
    return unsupported(std::string("cudaGetDeviceCount failed with ") + cudaGetErrorName(e) + " (" +
                       cudaGetErrorString(e) + ")");
  if (device < 0 || device >= count)
    return unsupported("device " + std::to_string(device) + " of " + std::to_string(count) +
                       ": no such CUDA device");
  auto ctx = Context::create(device, Options::fromEnvironment());
  if (!ctx) return unsupported(ctx.status().message());
  return std::unique_ptr<Backend>(std::make_unique<CudaBackend>(std::move(*ctx)));
}

}  // namespace loom::cuda
