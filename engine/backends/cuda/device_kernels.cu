// The backend's own CUDA kernels (device_kernels.h). Grid-stride loops over 64-bit
// indices; every formula is the op's reference formula in float32 (ops/*.cpp).
#include <cuda_runtime.h>

#include "engine/backends/cuda/device_kernels.h"

namespace loom::cuda {

namespace {

constexpr int kThreads = 256;

// Enough blocks to cover n elements (each thread `perThread` of them), capped: the loops
// stride over the rest.
unsigned blocksFor(std::int64_t n, std::int64_t perThread = 1) {
  const std::int64_t threads = (n + perThread - 1) / perThread;
  std::int64_t blocks = (threads + kThreads - 1) / kThreads;
  if (blocks < 1) blocks = 1;
  if (blocks > 65535 * 8) blocks = 65535 * 8;
  return static_cast<unsigned>(blocks);
}

__global__ void addKernel(const float* a, const float* b, float* dst, std::int64_t n) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    dst[i] = a[i] + b[i];
}

// One Philox-4x32-10 block for `counter` under key (k0, k1): core/rng.cpp's refill(), with
// the counter's high word in c1 and c2 = c3 = 0.
__device__ void philoxBlock(std::uint64_t counter, std::uint32_t k0, std::uint32_t k1,
                            std::uint32_t out[4]) {
  std::uint32_t c0 = static_cast<std::uint32_t>(counter);
  std::uint32_t c1 = static_cast<std::uint32_t>(counter >> 32);
  std::uint32_t c2 = 0, c3 = 0;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

// Each thread draws one Philox block (4 words) and applies it to elements 4b .. 4b + 3.
__global__ void dropoutKernel(const float* x, float* y, std::int64_t n, std::uint32_t k0,
                              std::uint32_t k1, float rate, float scale) {
  const std::int64_t blocks = (n + 3) / 4;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t b = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       b < blocks; b += stride) {
    std::uint32_t words[4];
    philoxBlock(static_cast<std::uint64_t>(b), k0, k1, words);
    for (int j = 0; j < 4; ++j) {
      const std::int64_t i = 4 * b + j;
      if (i >= n) break;
      // Philox::uniform(): the top 24 bits over 2^24.
      const float u = static_cast<float>(words[j] >> 8) * (1.0f / 16777216.0f);
      y[i] = x[i] * (u >= rate ? scale : 0.0f);
    }
  }
}

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kCubic = 0.044715f;

__global__ void pointwiseForwardKernel(int f, const float* x, float* y, std::int64_t n,
                                       float alpha) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float v = x[i];
    if (f == static_cast<int>(Pointwise::LeakyReLU)) {
      y[i] = v > 0.0f ? v : alpha * v;
    } else if (f == static_cast<int>(Pointwise::GeluTanh)) {
      const float t = tanhf(kSqrt2OverPi * (v + kCubic * v * v * v));
      y[i] = 0.5f * v * (1.0f + t);
    } else {
      y[i] = 0.5f * v * (1.0f + erff(v * kInvSqrt2));
    }
  }
}

__global__ void pointwiseBackwardKernel(int f, const float* x, const float* dy, float* dx,
                                        std::int64_t n, float alpha) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float v = x[i];
    if (f == static_cast<int>(Pointwise::LeakyReLU)) {
      dx[i] = v > 0.0f ? dy[i] : alpha * dy[i];
    } else if (f == static_cast<int>(Pointwise::GeluTanh)) {
      const float v2 = v * v;
      const float t = tanhf(kSqrt2OverPi * (v + kCubic * v2 * v));
      const float du = kSqrt2OverPi * (1.0f + 3.0f * kCubic * v2);
      dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    } else {
      const float cdf = 0.5f * (1.0f + erff(v * kInvSqrt2));
      const float pdf = kInvSqrt2Pi * expf(-0.5f * v * v);
      dx[i] = dy[i] * (cdf + v * pdf);
    }
  }
}

__global__ void addRowBiasKernel(float* y, const float* bias, std::int64_t rows,
                                 std::int64_t cols) {
  const std::int64_t n = rows * cols;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    y[i] += bias[i % cols];
}

// One block per channel: sums of dy and dy * xhat over the channel's N * inner values, in a
// fixed order (per-thread partial sums, then a tree in shared memory), so the result is
// deterministic.
__global__ void bnFrozenReduceKernel(const float* x, const float* dy, const float* mean,
                                     const float* var, double eps, std::int64_t n,
                                     std::int64_t channels, std::int64_t inner, float* dGamma,
                                     float* dBeta) {
  __shared__ double sumDy[kThreads];
  __shared__ double sumDyXhat[kThreads];
  const std::int64_t c = blockIdx.x;
  const float m = mean[c];
  const float invStd = static_cast<float>(1.0 / sqrt(static_cast<double>(var[c]) + eps));
  double s = 0, sx = 0;
  const std::int64_t count = n * inner;
  for (std::int64_t k = threadIdx.x; k < count; k += blockDim.x) {
    const std::int64_t i = ((k / inner) * channels + c) * inner + k % inner;
    s += dy[i];
    sx += dy[i] * ((x[i] - m) * invStd);
  }
  sumDy[threadIdx.x] = s;
  sumDyXhat[threadIdx.x] = sx;
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) {
      sumDy[threadIdx.x] += sumDy[threadIdx.x + half];
      sumDyXhat[threadIdx.x] += sumDyXhat[threadIdx.x + half];
    }
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    if (dGamma) dGamma[c] = static_cast<float>(sumDyXhat[0]);
    if (dBeta) dBeta[c] = static_cast<float>(sumDy[0]);
  }
}

__global__ void bnFrozenDiffSrcKernel(const float* dy, const float* gamma, const float* var,
                                      double eps, std::int64_t channels, std::int64_t inner,
                                      std::int64_t total, float* dx) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += stride) {
    const std::int64_t c = (i / inner) % channels;
    const float invStd = static_cast<float>(1.0 / sqrt(static_cast<double>(var[c]) + eps));
    dx[i] = gamma[c] * invStd * dy[i];
  }
}

__global__ void pad2dKernel(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                            std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t outH,
                            std::int64_t outW, float value) {
  const std::int64_t n = planes * outH * outW;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const std::int64_t x = i % outW - left, y = (i / outW) % outH - top, p = i / (outW * outH);
    dst[i] = (y >= 0 && y < h && x >= 0 && x < w) ? src[(p * h + y) * w + x] : value;
  }
}

__global__ void crop2dKernel(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                             std::int64_t w, std::int64_t top, std::int64_t left,
                             std::int64_t paddedH, std::int64_t paddedW) {
  const std::int64_t n = planes * h * w;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const std::int64_t x = i % w, y = (i / w) % h, p = i / (w * h);
    dst[i] = src[(p * paddedH + y + top) * paddedW + x + left];
  }
}

}  // namespace

cudaError_t launchAdd(const float* a, const float* b, float* dst, std::int64_t n,
                      cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  addKernel<<<blocksFor(n), kThreads, 0, stream>>>(a, b, dst, n);
  return cudaGetLastError();
}

cudaError_t launchDropout(const float* x, float* y, std::int64_t n, std::uint64_t key, float rate,
                          float scale, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  dropoutKernel<<<blocksFor(n, 4), kThreads, 0, stream>>>(
      x, y, n, static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32), rate, scale);
  return cudaGetLastError();
}

cudaError_t launchPointwiseForward(Pointwise f, const float* x, float* y, std::int64_t n,
                                   float alpha, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  pointwiseForwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(static_cast<int>(f), x, y, n,
                                                                alpha);
  return cudaGetLastError();
}

cudaError_t launchPointwiseBackward(Pointwise f, const float* x, const float* dy, float* dx,
                                    std::int64_t n, float alpha, cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  pointwiseBackwardKernel<<<blocksFor(n), kThreads, 0, stream>>>(static_cast<int>(f), x, dy, dx, n,
                                                                 alpha);
  return cudaGetLastError();
}

cudaError_t launchAddRowBias(float* y, const float* bias, std::int64_t rows, std::int64_t cols,
                             cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return cudaSuccess;
  addRowBiasKernel<<<blocksFor(rows * cols), kThreads, 0, stream>>>(y, bias, rows, cols);
  return cudaGetLastError();
}

cudaError_t launchPad2d(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                        std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t outH,
                        std::int64_t outW, float value, cudaStream_t stream) {
  if (planes <= 0 || outH <= 0 || outW <= 0) return cudaSuccess;
  pad2dKernel<<<blocksFor(planes * outH * outW), kThreads, 0, stream>>>(src, dst, planes, h, w, top,
                                                                        left, outH, outW, value);
  return cudaGetLastError();
}

cudaError_t launchCrop2d(const float* src, float* dst, std::int64_t planes, std::int64_t h,
                         std::int64_t w, std::int64_t top, std::int64_t left, std::int64_t paddedH,
                         std::int64_t paddedW, cudaStream_t stream) {
  if (planes <= 0 || h <= 0 || w <= 0) return cudaSuccess;
  crop2dKernel<<<blocksFor(planes * h * w), kThreads, 0, stream>>>(src, dst, planes, h, w, top,
                                                                   left, paddedH, paddedW);
  return cudaGetLastError();
}

cudaError_t launchBatchNormFrozenBackward(const float* x, const float* dy, const float* gamma,
                                          const float* mean, const float* var, double eps,
                                          std::int64_t n, std::int64_t c, std::int64_t inner,
                                          float* dx, float* dGamma, float* dBeta,
                                          cudaStream_t stream) {
  if (n <= 0 || c <= 0 || inner <= 0) return cudaSuccess;
  if (dGamma || dBeta) {
    bnFrozenReduceKernel<<<static_cast<unsigned>(c), kThreads, 0, stream>>>(
        x, dy, mean, var, eps, n, c, inner, dGamma, dBeta);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
  }
  if (dx) {
    bnFrozenDiffSrcKernel<<<blocksFor(n * c * inner), kThreads, 0, stream>>>(
        dy, gamma, var, eps, c, inner, n * c * inner, dx);
    return cudaGetLastError();
  }
  return cudaSuccess;
}

}  // namespace loom::cuda
