#include "engine/backends/cuda/cuda_util.h"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

namespace loom::cuda {

// ---- errors ----

namespace {
std::string where(const char* call, const char* file, int line) {
  const char* slash = std::strrchr(file, '/');
  return std::string(slash ? slash + 1 : file) + ":" + std::to_string(line) + ": " + call +
         " failed: ";
}

const char* cublasName(cublasStatus_t e) {
  switch (e) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
      return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

bool envFlag(const char* name, bool fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return !(std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0 || std::strcmp(v, "false") == 0);
}
}  // namespace

Status cudaFailure(cudaError_t e, const char* call, const char* file, int line) {
  return internalError(where(call, file, line) + cudaGetErrorName(e) + " (" +
                       cudaGetErrorString(e) + ")");
}

Status cudnnFailure(cudnnStatus_t e, const char* call, const char* file, int line) {
  return internalError(where(call, file, line) + cudnnGetErrorString(e));
}

Status cublasFailure(cublasStatus_t e, const char* call, const char* file, int line) {
  return internalError(where(call, file, line) + cublasName(e));
}

Status declined(const Status& failure, const char* op) {
  if (failure.isOk() || failure.code() == ErrorCode::Unsupported) return failure;
  return unsupported(std::string("cuDNN/cuBLAS cannot run ") + op + " here: " + failure.message());
}

// ---- options ----

Options Options::fromEnvironment() {
  Options o;
  o.tf32 = envFlag("LOOM_CUDA_TF32", false);
  o.deterministic = envFlag("LOOM_CUDA_DETERMINISTIC", true);
  if (const char* mb = std::getenv("LOOM_CUDA_WORKSPACE_MB"); mb && *mb) {
    const long long v = std::atoll(mb);
    if (v > 0) o.workspaceLimit = static_cast<size_t>(v) << 20;
  }
  return o;
}

// ---- device buffers ----

DeviceBuffer::~DeviceBuffer() {
  release();
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr)), m_bytes(std::exchange(other.m_bytes, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    m_data = std::exchange(other.m_data, nullptr);
    m_bytes = std::exchange(other.m_bytes, 0);
  }
  return *this;
}

void DeviceBuffer::release() {
  if (m_data) cudaFree(m_data);  // an error here has no one to report to
  m_data = nullptr;
  m_bytes = 0;
}

Status DeviceBuffer::reserve(size_t bytes) {
  if (bytes <= m_bytes && m_data) return Status::ok();
  release();
  const size_t rounded = (bytes + 255) / 256 * 256;
  LOOM_CUDA_CHECK(cudaMalloc(&m_data, rounded == 0 ? 256 : rounded));
  m_bytes = rounded;
  return Status::ok();
}

// ---- context ----

Expected<std::shared_ptr<Context>> Context::create(int device, const Options& options) {
  std::shared_ptr<Context> c(new Context(device, options));
  LOOM_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  LOOM_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  c->m_description = "cuda:" + std::to_string(device) + " (" + prop.name + ", sm_" +
                     std::to_string(prop.major) + std::to_string(prop.minor) + ")";
  LOOM_CUDA_CHECK(cudaStreamCreateWithFlags(&c->m_stream, cudaStreamNonBlocking));
  LOOM_CUDNN_CHECK(cudnnCreate(&c->m_cudnn));
  LOOM_CUDNN_CHECK(cudnnSetStream(c->m_cudnn, c->m_stream));
  LOOM_CUBLAS_CHECK(cublasCreate(&c->m_cublas));
  LOOM_CUBLAS_CHECK(cublasSetStream(c->m_cublas, c->m_stream));
  // TF32 off: pedantic math keeps sgemm in full float32 (no reduced-precision tensor-core
  // paths), which is what the 1e-4 agreement with the CPU backend relies on.
  LOOM_CUBLAS_CHECK(cublasSetMathMode(
      c->m_cublas, options.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  LOOM_CUBLAS_CHECK(cublasSetPointerMode(c->m_cublas, CUBLAS_POINTER_MODE_HOST));
  return c;
}

Context::~Context() {
  // A backend kept in a static (the op harness's) dies after the CUDA runtime's own exit
  // handler: then every call fails with cudaErrorCudartUnloading, and the handles are left
  // to the process exit rather than destroyed into a torn-down runtime.
  if (cudaSetDevice(m_device) != cudaSuccess) return;
  if (m_stream) cudaStreamSynchronize(m_stream);
  m_workspace = DeviceBuffer();
  m_ones = DeviceBuffer();
  if (m_cublas) cublasDestroy(m_cublas);
  if (m_cudnn) cudnnDestroy(m_cudnn);
  if (m_stream) cudaStreamDestroy(m_stream);
}

cudnnMathType_t Context::convMathType() const {
  // cuDNN's default math lets float32 convolutions use TF32 on Ampere and later; FMA math
  // forbids it.
  return m_options.tf32 ? CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION : CUDNN_FMA_MATH;
}

Expected<void*> Context::workspace(size_t bytes) {
  if (bytes == 0) return static_cast<void*>(nullptr);
  LOOM_RETURN_IF_ERROR(m_workspace.reserve(bytes));
  return m_workspace.get();
}

// A small kernel-free fill: ones are written from the host once per size.
Expected<const float*> Context::ones(size_t n) {
  if (n > m_onesCount) {
    LOOM_RETURN_IF_ERROR(m_ones.reserve(n * sizeof(float)));
    std::vector<float> host(n, 1.0f);
    LOOM_CUDA_CHECK(cudaMemcpyAsync(m_ones.get(), host.data(), n * sizeof(float),
                                    cudaMemcpyHostToDevice, m_stream));
    LOOM_CUDA_CHECK(cudaStreamSynchronize(m_stream));  // `host` goes out of scope
    m_onesCount = n;
  }
  return static_cast<const float*>(m_ones.f32());
}

// ---- copies ----

namespace {
// Plain and the tensor's layout hold the same bytes (not rank 4, one channel, one pixel).
bool plainBytes(const Tensor& t) {
  return t.layout() == Layout::Plain || t.rank() != 4 || t.dim(1) == 1 || t.dim(2) * t.dim(3) == 1;
}
}  // namespace

Status upload(const Context& ctx, const Tensor& t, DeviceBuffer& d, Tensor& staging) {
  if (t.dtype() != DType::F32) return internalError("CUDA kernel: input is not float32");
  const Tensor* src = &t;
  if (!plainBytes(t)) {
    if (staging.empty() || staging.dims() != t.dims()) staging = Tensor(t.dims());
    staging.assignConverted(t);
    src = &staging;
  }
  LOOM_RETURN_IF_ERROR(d.reserve(src->bytes()));
  if (src->bytes() > 0)
    LOOM_CUDA_CHECK(
        cudaMemcpyAsync(d.get(), src->raw(), src->bytes(), cudaMemcpyHostToDevice, ctx.stream()));
  return Status::ok();
}

Status download(const Context& ctx, const DeviceBuffer& d, Tensor& t, Tensor& staging) {
  if (t.bytes() > d.capacity()) return internalError("CUDA kernel: output larger than its buffer");
  if (plainBytes(t)) return downloadPlain(ctx, d, t);
  if (staging.empty() || staging.dims() != t.dims()) staging = Tensor(t.dims());
  LOOM_RETURN_IF_ERROR(downloadPlain(ctx, d, staging));
  LOOM_CUDA_CHECK(cudaStreamSynchronize(ctx.stream()));
  t.assignConverted(staging);
  return Status::ok();
}

Status downloadPlain(const Context& ctx, const DeviceBuffer& d, Tensor& t) {
  if (t.bytes() > d.capacity()) return internalError("CUDA kernel: output larger than its buffer");
  if (t.bytes() > 0)
    LOOM_CUDA_CHECK(
        cudaMemcpyAsync(t.raw(), d.get(), t.bytes(), cudaMemcpyDeviceToHost, ctx.stream()));
  return Status::ok();
}

Status DeviceParam::copy(const Context& ctx, const Tensor& t) {
  LOOM_RETURN_IF_ERROR(upload(ctx, t, m_buffer, m_staging));
  m_from = t.raw();
  return Status::ok();
}

Status DeviceParam::forward(const Context& ctx, const Tensor& t) {
  if (m_keep && m_from == t.raw()) return Status::ok();
  return copy(ctx, t);
}

Status DeviceParam::backward(const Context& ctx, const Tensor& t) {
  if (m_from == t.raw()) return Status::ok();
  return copy(ctx, t);
}

// ---- descriptors ----

bool fitsInt(std::initializer_list<std::int64_t> values) {
  for (std::int64_t v : values)
    if (v < 0 || v > INT_MAX) return false;
  return true;
}

Status setNchw(TensorDesc& t, std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  if (!fitsInt({n, c, h, w, n * c * h * w}))
    return unsupported("tensor " + dimsToString({n, c, h, w}) + " exceeds cuDNN's int sizes");
  LOOM_RETURN_IF_ERROR(t.create());
  LOOM_CUDNN_CHECK(cudnnSetTensor4dDescriptor(t.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                              static_cast<int>(n), static_cast<int>(c),
                                              static_cast<int>(h), static_cast<int>(w)));
  return Status::ok();
}

// ---- kernel base ----

Status CudaKernel::checkDims(const KernelArgs& args, bool backward) const {
  auto mismatch = [&](const char* what, const Tensor* t, const Dims& want) -> Status {
    if (!t || t->dims() == want) return Status::ok();
    return internalError(m_implName + ": " + what + " is " + dimsToString(t->dims()) +
                         ", the kernel was built for " + dimsToString(want));
  };
  for (size_t i = 0; i < args.src.size() && i < m_inputDims.size(); ++i)
    LOOM_RETURN_IF_ERROR(mismatch("input", args.src[i], m_inputDims[i]));
  LOOM_RETURN_IF_ERROR(mismatch("output", args.dst, m_outputDims));
  if (!backward) return Status::ok();
  LOOM_RETURN_IF_ERROR(mismatch("diffDst", args.diffDst, m_outputDims));
  for (size_t i = 0; i < args.diffSrc.size() && i < m_inputDims.size(); ++i)
    LOOM_RETURN_IF_ERROR(mismatch("diffSrc", args.diffSrc[i], m_inputDims[i]));
  return Status::ok();
}

Status CudaKernel::guarded(KernelArgs& args, bool backward) {
  LOOM_RETURN_IF_ERROR(checkDims(args, backward));
  std::lock_guard<std::mutex> lock(m_ctx->mutex());
  try {
    LOOM_CUDA_CHECK(cudaSetDevice(m_ctx->device()));
    Status st = backward ? runBackward(args) : runForward(args);
    // The host tensors must hold the results when the call returns; on failure the stream
    // is drained too, so no copy is left writing into a tensor the caller reuses.
    const cudaError_t e = cudaStreamSynchronize(m_ctx->stream());
    if (!st.isOk()) return st.withContext(m_implName + (backward ? " backward" : " forward"));
    if (e != cudaSuccess) return cudaFailure(e, "cudaStreamSynchronize", __FILE__, __LINE__);
    return Status::ok();
  } catch (const std::bad_alloc&) {
    return internalError(m_implName + ": out of host memory");
  } catch (const std::exception& e) {
    return internalError(m_implName + ": " + e.what());
  }
}

Status CudaKernel::forward(KernelArgs& args) {
  return guarded(args, false);
}

Status CudaKernel::backward(KernelArgs& args) {
  return guarded(args, true);
}

Status checkArgs(const KernelArgs& args, size_t inputs, size_t params, const char* op) {
  if (args.src.size() != inputs)
    return internalError(std::string(op) + " kernel: expected " + std::to_string(inputs) +
                         " inputs, got " + std::to_string(args.src.size()));
  for (const Tensor* t : args.src)
    if (!t) return internalError(std::string(op) + " kernel: missing input tensor");
  if (args.params.size() < params)
    return internalError(std::string(op) + " kernel: expected " + std::to_string(params) +
                         " parameters, got " + std::to_string(args.params.size()));
  if (!args.dst) return internalError(std::string(op) + " kernel: no dst tensor");
  return Status::ok();
}

bool wantsDiffSrc(const KernelRequest& r, size_t input) {
  return r.training && (r.needsDiffSrc.size() <= input || r.needsDiffSrc[input]);
}

}  // namespace loom::cuda
