// The oneDNN kernels of the CPU backend, one factory per op (private to backends/cpu).
//
// Each factory builds every primitive the request needs (forward; backward-data and
// backward-weights when request.training) once, or returns Unsupported naming why, in
// which case the executor falls back to the reference kernel. Output dims always come
// from request.shape->output (the op's inference); geometry from the op's helpers.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace loom::cpu {

using KernelOrWhy = Expected<std::unique_ptr<Kernel>>;

KernelOrWhy makeDenseKernel(const KernelRequest& request);
KernelOrWhy makeConv2DKernel(const KernelRequest& request);
KernelOrWhy makeMaxPool2DKernel(const KernelRequest& request);
KernelOrWhy makeAvgPool2DKernel(const KernelRequest& request);
KernelOrWhy makeGlobalAvgPoolKernel(const KernelRequest& request);
KernelOrWhy makeBatchNormKernel(const KernelRequest& request);
/// The element-wise activations (algorithm chosen by request.op's name, eltwise_kernel.cpp).
KernelOrWhy makeEltwiseKernel(const KernelRequest& request);
KernelOrWhy makeSoftmaxKernel(const KernelRequest& request);
KernelOrWhy makeAddKernel(const KernelRequest& request);
KernelOrWhy makeConcatKernel(const KernelRequest& request);
KernelOrWhy makeFlattenKernel(const KernelRequest& request);
KernelOrWhy makeDropoutKernel(const KernelRequest& request);

}  // namespace loom::cpu
