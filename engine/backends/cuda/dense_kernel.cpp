// Dense on cuBLAS sgemm: forward, backward-data, backward-weights (+ bias), float32 with
// TF32 off unless LOOM_CUDA_TF32=1 (the handle's math mode, cuda_util.cpp).
//
// Loom's tensors are row-major and cuBLAS is column-major: a row-major [r, c] matrix is the
// column-major [c, r] one, i.e. its transpose. With x [N, in], W [out, in], y [N, out]:
//   y  = x W^T      ->  y^T (out x N)  = op_T(W) (out x in) * x^T (in x N)
//   dx = dy W       ->  dx^T (in x N)  = W^T (in x out, as stored) * dy^T (out x N)
//   dW = dy^T x     ->  dW^T (in x out) = x^T (in x N) * op_T(dy^T) (N x out)
//   db = sum_n dy   ->  dy^T (out x N) times a vector of N ones (sgemv)
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"

namespace loom::cuda {

namespace {

class DenseKernel final : public CudaKernel {
 public:
  DenseKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r),
        m_n(static_cast<int>(r.inputDims[0][0])),
        m_in(static_cast<int>(r.inputDims[0][1])),
        m_out(static_cast<int>(r.shape->output[1])),
        m_hasBias(r.shape->params.size() > 1) {
    m_weights.keepConverted(r.constantParameters);
    m_bias.keepConverted(r.constantParameters);
    setImplName(std::string("cublas:sgemm(") + (c->options().tf32 ? "tf32" : "fp32") + ", " +
                c->description() + ")");
  }

  void parametersChanged() override {
    m_weights.forget();
    m_bias.forget();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, m_hasBias ? 2 : 1, "Dense"));
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(m_weights.forward(c, *args.params[0]));
    LOOM_RETURN_IF_ERROR(m_y.reserve(bytes(m_n, m_out)));
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUBLAS_CHECK(cublasSgemm(c.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, m_out, m_n, m_in, &one,
                                  m_weights.f32(), m_in, m_x.f32(), m_in, &zero, m_y.f32(), m_out));
    if (m_hasBias) {
      LOOM_RETURN_IF_ERROR(m_bias.forward(c, *args.params[1]));
      LOOM_CUDA_CHECK(launchAddRowBias(m_y.f32(), m_bias.f32(), m_n, m_out, stream()));
    }
    return download(c, m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Dense kernel: backward without diffDst");
    Tensor* diffSrc = diffSrcAt(args, 0);
    Tensor* diffW = diffParamAt(args, 0);
    Tensor* diffB = m_hasBias ? diffParamAt(args, 1) : nullptr;
    if (!diffSrc && !diffW && !diffB) return Status::ok();
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    const float one = 1.0f, zero = 0.0f;
    if (diffSrc) {
      LOOM_RETURN_IF_ERROR(m_weights.backward(c, *args.params[0]));
      LOOM_RETURN_IF_ERROR(m_dx.reserve(bytes(m_n, m_in)));
      LOOM_CUBLAS_CHECK(cublasSgemm(c.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, m_in, m_n, m_out, &one,
                                    m_weights.f32(), m_in, m_dy.f32(), m_out, &zero, m_dx.f32(),
                                    m_in));
      LOOM_RETURN_IF_ERROR(download(c, m_dx, *diffSrc, m_staging));
    }
    if (diffW) {
      LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
      LOOM_RETURN_IF_ERROR(m_dw.reserve(bytes(m_out, m_in)));
      LOOM_CUBLAS_CHECK(cublasSgemm(c.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, m_in, m_out, m_n, &one,
                                    m_x.f32(), m_in, m_dy.f32(), m_out, &zero, m_dw.f32(), m_in));
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_dw, *diffW));
    }
    if (diffB) {
      LOOM_ASSIGN_OR_RETURN(const float* ones, c.ones(static_cast<size_t>(m_n)));
      LOOM_RETURN_IF_ERROR(m_db.reserve(bytes(1, m_out)));
      LOOM_CUBLAS_CHECK(cublasSgemv(c.cublas(), CUBLAS_OP_N, m_out, m_n, &one, m_dy.f32(), m_out,
                                    ones, 1, &zero, m_db.f32(), 1));
      LOOM_RETURN_IF_ERROR(downloadPlain(c, m_db, *diffB));
    }
    return Status::ok();
  }

 private:
  static size_t bytes(int rows, int cols) {
    return static_cast<size_t>(rows) * static_cast<size_t>(cols) * sizeof(float);
  }

  int m_n, m_in, m_out;
  bool m_hasBias;
  DeviceParam m_weights, m_bias;
  DeviceBuffer m_x, m_y, m_dy, m_dx, m_dw, m_db;
  Tensor m_staging;  // Dense's tensors are rank 2, never staged; upload() wants one
};

}  // namespace

KernelOrWhy makeDenseKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1 || request.inputDims[0].size() != 2)
    return unsupported("Dense kernel needs one [N, features] input");
  const Dims& in = request.inputDims[0];
  const Dims& out = request.shape->output;
  if (out.size() != 2 || out[0] != in[0])
    return unsupported("Dense kernel expects output [N, units], the op inferred " +
                       dimsToString(out));
  if (!fitsInt({in[0], in[1], out[1], in[0] * in[1], in[0] * out[1], in[1] * out[1]}))
    return unsupported("Dense " + dimsToString(in) + " -> " + dimsToString(out) +
                       " exceeds cuBLAS's int sizes");
  return std::unique_ptr<Kernel>(std::make_unique<DenseKernel>(ctx, request));
}

}  // namespace loom::cuda
