// The oneDNN CPU backend: picks the kernel factory by op name (docs/backend-cpu.md).
#include <map>

#include "engine/backends/backend.h"
#include "engine/backends/cpu/cpu_kernels.h"

namespace loom {

namespace {

using Factory = cpu::KernelOrWhy (*)(const KernelRequest&);

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {
      {"Dense", cpu::makeDenseKernel},
      {"Conv2D", cpu::makeConv2DKernel},
      {"MaxPool2D", cpu::makeMaxPool2DKernel},
      {"AvgPool2D", cpu::makeAvgPool2DKernel},
      {"GlobalAvgPool", cpu::makeGlobalAvgPoolKernel},
      {"BatchNorm", cpu::makeBatchNormKernel},
      {"ReLU", cpu::makeEltwiseKernel},
      {"LeakyReLU", cpu::makeEltwiseKernel},
      {"ELU", cpu::makeEltwiseKernel},
      {"GELU", cpu::makeEltwiseKernel},
      {"Sigmoid", cpu::makeEltwiseKernel},
      {"Tanh", cpu::makeEltwiseKernel},
      {"Softmax", cpu::makeSoftmaxKernel},
      {"Add", cpu::makeAddKernel},
      {"Concat", cpu::makeConcatKernel},
      {"Flatten", cpu::makeFlattenKernel},
      {"Dropout", cpu::makeDropoutKernel},
  };
  return table;
}

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }

  Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest& request) override {
    if (!request.op || !request.attrs || !request.shape)
      return invalidArgument("cpu backend: kernel request without op, attributes or shape");
    const std::string& op = request.op->schema().name;
    auto it = factories().find(op);
    if (it == factories().end()) return unsupported("no oneDNN kernel for op " + op);
    return it->second(request);
  }
};

}  // namespace

std::unique_ptr<Backend> makeCpuBackend() {
  return std::make_unique<CpuBackend>();
}

}  // namespace loom
