// Shared plumbing of the CUDA backend (backends/cuda, docs/backend-cuda.md).
//
// Everything here is private to backends/cuda (the module libloom_cuda.so): error checks that
// turn cudaError_t / cudnnStatus_t / cublasStatus_t into a loom Status naming the call and
// file:line, the per-backend context (device ordinal, stream, cuDNN and cuBLAS handles, the
// shared workspace, the options), a device buffer RAII class, host <-> device copies with
// layout staging, and the base class of every kernel.
//
// Memory model (for now): KernelArgs tensors are host memory. Each kernel owns persistent
// device buffers, allocated once per shape, and copies its inputs host -> device and its
// outputs device -> host on every call, on the backend's stream; the call returns after the
// stream is synchronised, so the host tensors hold the results. Keeping tensors resident on
// the device across kernels (copies only where a tensor enters or leaves the engine, one
// device arena per plan) is the next step and NOT done: it needs a device tensor in
// core/tensor.h and executor support.
//
// Every kernel call locks the context (one stream and one pair of handles per backend, used
// by one thread at a time) and makes the backend's device current on the calling thread.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/ops/op_helpers.h"  // diffSrcAt, diffParamAt, productFrom

namespace loom::cuda {

/// "file:line: call failed: name (description)".
Status cudaFailure(cudaError_t e, const char* call, const char* file, int line);
Status cudnnFailure(cudnnStatus_t e, const char* call, const char* file, int line);
Status cublasFailure(cublasStatus_t e, const char* call, const char* file, int line);

}  // namespace loom::cuda

/// Returns an InternalError Status from the enclosing function when a CUDA runtime call fails.
#define LOOM_CUDA_CHECK(call)                                                    \
  do {                                                                           \
    const cudaError_t loom_cuda_e_ = (call);                                     \
    if (loom_cuda_e_ != cudaSuccess)                                             \
      return ::loom::cuda::cudaFailure(loom_cuda_e_, #call, __FILE__, __LINE__); \
  } while (false)

/// The same for cuDNN calls.
#define LOOM_CUDNN_CHECK(call)                                                     \
  do {                                                                             \
    const cudnnStatus_t loom_cudnn_e_ = (call);                                    \
    if (loom_cudnn_e_ != CUDNN_STATUS_SUCCESS)                                     \
      return ::loom::cuda::cudnnFailure(loom_cudnn_e_, #call, __FILE__, __LINE__); \
  } while (false)

/// The same for cuBLAS calls.
#define LOOM_CUBLAS_CHECK(call)                                                      \
  do {                                                                               \
    const cublasStatus_t loom_cublas_e_ = (call);                                    \
    if (loom_cublas_e_ != CUBLAS_STATUS_SUCCESS)                                     \
      return ::loom::cuda::cublasFailure(loom_cublas_e_, #call, __FILE__, __LINE__); \
  } while (false)

namespace loom::cuda {

/// Options read once from the environment when the backend is created (docs/backend-cuda.md).
struct Options {
  /// LOOM_CUDA_TF32=1: let cuBLAS and cuDNN use TF32 tensor cores for float32 (faster,
  /// about 1e-3 relative error). Off by default: results then agree with the CPU to 1e-5.
  bool tf32 = false;
  /// LOOM_CUDA_DETERMINISTIC=0: allow non-deterministic cuDNN algorithms (atomics in
  /// backward-data / backward-filter, non-deterministic max-pool backward). On by default.
  bool deterministic = true;
  /// LOOM_CUDA_WORKSPACE_MB: the largest cuDNN workspace an algorithm may use (default 1024).
  size_t workspaceLimit = size_t{1024} << 20;
  static Options fromEnvironment();
};

/// Device memory owned by one kernel, grown on demand (never shrunk). Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  /// Makes the buffer hold at least `bytes` (contents are lost when it grows).
  Status reserve(size_t bytes);
  void* get() const { return m_data; }
  float* f32() const { return static_cast<float*>(m_data); }
  size_t capacity() const { return m_bytes; }

 private:
  void release();
  void* m_data = nullptr;
  size_t m_bytes = 0;
};

/// One backend's device state: shared by every kernel the backend created.
class Context {
 public:
  /// Makes `device` current, creates the stream and handles and sets the math modes.
  static Expected<std::shared_ptr<Context>> create(int device, const Options& options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return m_device; }
  const Options& options() const { return m_options; }
  cudaStream_t stream() const { return m_stream; }
  cudnnHandle_t cudnn() const { return m_cudnn; }
  cublasHandle_t cublas() const { return m_cublas; }
  /// cuDNN's math type for convolutions: FMA only, or TF32 allowed (Options::tf32).
  cudnnMathType_t convMathType() const;
  /// The "cuda:N (name, sm_XY)" line for implName() and messages.
  const std::string& description() const { return m_description; }

  /// Serialises kernel calls (see the header comment).
  std::mutex& mutex() { return m_mutex; }
  /// The workspace shared by every cuDNN call of this backend, grown to `bytes`.
  Expected<void*> workspace(size_t bytes);
  /// A device vector of `n` ones (Dense's bias gradient as a matrix-vector product).
  Expected<const float*> ones(size_t n);

 private:
  Context(int device, const Options& options) : m_device(device), m_options(options) {}
  int m_device;
  Options m_options;
  std::string m_description;
  cudaStream_t m_stream = nullptr;
  cudnnHandle_t m_cudnn = nullptr;
  cublasHandle_t m_cublas = nullptr;
  std::mutex m_mutex;
  DeviceBuffer m_workspace, m_ones;
  size_t m_onesCount = 0;
};

using ContextPtr = std::shared_ptr<Context>;

/// Copies `t` (host, any layout) into `d` as Plain float32 (row-major NCHW). A tensor in
/// another layout is converted into `staging` first.
Status upload(const Context& ctx, const Tensor& t, DeviceBuffer& d, Tensor& staging);
/// Copies `d` (Plain) into the host tensor `t`, converting through `staging` when `t` is in
/// another layout (that path synchronises the stream before converting).
Status download(const Context& ctx, const DeviceBuffer& d, Tensor& t, Tensor& staging);
/// Device -> host for a small Plain float vector (parameters, statistics).
Status downloadPlain(const Context& ctx, const DeviceBuffer& d, Tensor& t);

/// A parameter's device copy (Dense and Conv2D weights and bias). forward() uploads it every
/// call, or once until forget() when the request said KernelRequest::constantParameters;
/// backward() reuses the copy the forward of the same step made (the parameters do not change
/// between a step's forward and backward, which the CPU backend relies on too) and uploads
/// only when forward has not seen this tensor.
class DeviceParam {
 public:
  void keepConverted(bool keep) { m_keep = keep; }
  Status forward(const Context& ctx, const Tensor& t);
  Status backward(const Context& ctx, const Tensor& t);
  void forget() { m_from = nullptr; }
  float* f32() const { return m_buffer.f32(); }

 private:
  Status copy(const Context& ctx, const Tensor& t);
  DeviceBuffer m_buffer;
  Tensor m_staging;
  const void* m_from = nullptr;
  bool m_keep = false;
};

/// RAII holder of one cuDNN descriptor (created by create(), destroyed with the holder).
template <class T, cudnnStatus_t (*Create)(T*), cudnnStatus_t (*Destroy)(T)>
class Desc {
 public:
  Desc() = default;
  ~Desc() {
    if (m_d) Destroy(m_d);
  }
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  Status create() {
    if (!m_d) LOOM_CUDNN_CHECK(Create(&m_d));
    return Status::ok();
  }
  T get() const { return m_d; }

 private:
  T m_d = nullptr;
};

using TensorDesc =
    Desc<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDesc =
    Desc<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvDesc = Desc<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor,
                      cudnnDestroyConvolutionDescriptor>;
using PoolDesc =
    Desc<cudnnPoolingDescriptor_t, cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor>;
using ActivationDesc = Desc<cudnnActivationDescriptor_t, cudnnCreateActivationDescriptor,
                            cudnnDestroyActivationDescriptor>;

/// Creates `t` (if needed) as a packed float NCHW descriptor of n x c x h x w. cuDNN takes
/// int dimensions: larger ones are refused (Unsupported).
Status setNchw(TensorDesc& t, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w);
/// Whether every value fits cuDNN's / cuBLAS's int arguments.
bool fitsInt(std::initializer_list<std::int64_t> values);

/// Base of every CUDA kernel: the declared layouts (Plain everywhere), the implementation
/// name, and the wrapper that locks the context, makes its device current, checks that the
/// tensors have the dims the request promised (device buffers are sized from them), runs the
/// body, synchronises the stream and turns exceptions into Status.
class CudaKernel : public Kernel {
 public:
  CudaKernel(ContextPtr ctx, const KernelRequest& r)
      : m_ctx(std::move(ctx)), m_inputDims(r.inputDims), m_outputDims(r.shape->output) {}
  std::string implName() const override { return m_implName; }
  Status forward(KernelArgs& args) final;
  Status backward(KernelArgs& args) final;

 protected:
  virtual Status runForward(KernelArgs& args) = 0;
  virtual Status runBackward(KernelArgs& args) = 0;
  void setImplName(std::string name) { m_implName = std::move(name); }
  Context& ctx() { return *m_ctx; }
  cudaStream_t stream() const { return m_ctx->stream(); }

 private:
  Status guarded(KernelArgs& args, bool backward);
  Status checkDims(const KernelArgs& args, bool backward) const;
  ContextPtr m_ctx;
  std::vector<Dims> m_inputDims;
  Dims m_outputDims;
  std::string m_implName = "cuda";
};

/// Checks that the kernel got the tensors the request promised (counts).
Status checkArgs(const KernelArgs& args, size_t inputs, size_t params, const char* op);
/// Whether backward is to be built for input 0: training, and the request wants diffSrc or
/// did not say.
bool wantsDiffSrc(const KernelRequest& r, size_t input = 0);

/// A failure while building a kernel as Unsupported (the executor then falls back to the
/// next backend and reports the reason): "cuDNN cannot run <op> here: <message>".
Status declined(const Status& failure, const char* op);

}  // namespace loom::cuda
