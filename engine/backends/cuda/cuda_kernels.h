// The kernels of the CUDA backend, one factory per op family (private to backends/cuda).
//
// Each factory checks that the request is something its library call can do and returns
// Unsupported naming why otherwise (asymmetric padding, sizes beyond int, ...), in which case
// the executor falls back to the next backend (the oneDNN CPU one). Every factory runs with
// the context locked and its device current (cuda_backend.cpp). Output dims always come
// from request.shape->output (the op's inference); geometry from the op's helpers.
#pragma once

#include <memory>

#include "engine/backends/backend.h"
#include "engine/backends/cuda/cuda_util.h"

namespace loom::cuda {

using KernelOrWhy = Expected<std::unique_ptr<Kernel>>;

KernelOrWhy makeDenseKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeConv2DKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeMaxPool2DKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeAvgPool2DKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeGlobalAvgPoolKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeBatchNormKernel(const KernelRequest& request, const ContextPtr& ctx);
/// The element-wise activations (cuDNN for ReLU/ELU/Sigmoid/Tanh, device_kernels.cu for
/// LeakyReLU and GELU; chosen by request.op's name, activation_kernel.cpp).
KernelOrWhy makeActivationKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeSoftmaxKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeAddKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeConcatKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeFlattenKernel(const KernelRequest& request, const ContextPtr& ctx);
/// Reshape: the same Plain copy as Flatten (flatten_kernel.cpp).
KernelOrWhy makeReshapeKernel(const KernelRequest& request, const ContextPtr& ctx);
KernelOrWhy makeDropoutKernel(const KernelRequest& request, const ContextPtr& ctx);

}  // namespace loom::cuda
