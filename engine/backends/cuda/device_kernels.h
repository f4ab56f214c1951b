// The hand-written CUDA kernels of the backend (device_kernels.cu), for what cuDNN and
// cuBLAS do not offer: Add, Dropout (Loom's own Philox mask), LeakyReLU and GELU, Dense's
// bias, BatchNorm's gradient through frozen statistics, and Conv2D's explicit padding. Plain
// C++ declarations, so the kernel files that call them are compiled by the host compiler;
// each launcher enqueues on `stream` and returns the launch error (cudaSuccess when the launch was
// accepted).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace loom::cuda {

/// dst[i] = a[i] + b[i] for i < n (dst may alias a).
cudaError_t launchAdd(const float* a, const float* b, float* dst, std::int64_t n,
                      cudaStream_t stream);

/// Dropout's mask applied to x: y[i] = x[i] * (u_i >= rate ? scale : 0), u_i the i-th draw of
/// Philox-4x32-10 keyed by `key` (core/rng.h: word i of block i / 4, 24 bits), exactly as
/// the op's reference kernel and the CPU backend draw it. Forward and backward both use it.
cudaError_t launchDropout(const float* x, float* y, std::int64_t n, std::uint64_t key, float rate,
                          float scale, cudaStream_t stream);

enum class Pointwise : int { LeakyReLU = 0, GeluErf = 1, GeluTanh = 2 };

/// y = f(x) for the element-wise activations cuDNN lacks; `alpha` is LeakyReLU's slope.
cudaError_t launchPointwiseForward(Pointwise f, const float* x, float* y, std::int64_t n,
                                   float alpha, cudaStream_t stream);
/// dx = f'(x) * dy.
cudaError_t launchPointwiseBackward(Pointwise f, const float* x, const float* dy, float* dx,
                                    std::int64_t n, float alpha, cudaStream_t stream);

/// y[r * cols + c] += bias[c] for a row-major rows x cols matrix (Dense's output).
cudaError_t launchAddRowBias(float* y, const float* bias, std::int64_t rows, std::int64_t cols,
                             cudaStream_t stream);

/// Padding of `planes` Plain planes of h x w into planes of outH x outW with `value`, the
/// source at row `top`, column `left` (Conv2D's and pooling's asymmetric pads: 0 for a
/// convolution or an average, -inf for max pooling). Every element of dst is written.
cudaError_t launchPad2d(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                        std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t outH,
                        std::int64_t outW, float value, cudaStream_t stream);
/// The reverse: the h x w window at (top, left) of each paddedH x paddedW plane of src.
cudaError_t launchCrop2d(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                         std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t paddedH,
                         std::int64_t paddedW, cudaStream_t stream);

/// BatchNorm backward with the running statistics as constants (inference backward, as the
/// explainers use): per channel c of a Plain [N, C, inner] tensor, invStd = 1 / sqrt(var + eps),
/// dGamma[c] = sum dy * (x - mean) * invStd, dBeta[c] = sum dy (both accumulated in double,
/// like the reference kernel; either may be null), dx = gamma * invStd * dy (dx may be null).
cudaError_t launchBatchNormFrozenBackward(const float* x, const float* dy, const float* gamma,
                                          const float* mean, const float* var, double eps,
                                          std::int64_t n, std::int64_t c, std::int64_t inner,
                                          float* dx, float* dGamma, float* dBeta,
                                          cudaStream_t stream);

}  // namespace loom::cuda
