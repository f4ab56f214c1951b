// The element-wise activations: ReLU, ELU, Sigmoid and Tanh on cuDNN activation; LeakyReLU
// and GELU (exact and tanh), which cuDNN's activation API lacks, on device_kernels.cu with
// the reference formulas.
//
// The tensor is seen as a flat [1, n, 1, 1] (element-wise results do not depend on the
// shape). cuDNN's activation backward reads the forward's source and output: backward
// uploads the source and recomputes the output on the device (the op's backward is defined
// on the source alone, so the plan need not keep the output; ops/unary_op.h).
#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"

namespace loom::cuda {

namespace {

struct ActivationSpec {
  bool cudnn = true;
  cudnnActivationMode_t mode = CUDNN_ACTIVATION_RELU;  ///< when cudnn
  Pointwise pointwise = Pointwise::LeakyReLU;          ///< otherwise
  double alpha = 0;                                    ///< ELU's alpha, LeakyReLU's slope
  const char* name = "";
};

class ActivationKernel final : public CudaKernel {
 public:
  ActivationKernel(const ContextPtr& c, const KernelRequest& r, const ActivationSpec& s)
      : CudaKernel(c, r),
        m_spec(s),
        m_n(numElements(r.inputDims[0])),
        m_backward(wantsDiffSrc(r)) {}

  Status init() {
    if (m_spec.cudnn) {
      LOOM_RETURN_IF_ERROR(setNchw(m_desc, 1, m_n, 1, 1));
      LOOM_RETURN_IF_ERROR(m_act.create());
      LOOM_CUDNN_CHECK(cudnnSetActivationDescriptor(m_act.get(), m_spec.mode,
                                                    CUDNN_NOT_PROPAGATE_NAN, m_spec.alpha));
    }
    setImplName(std::string(m_spec.cudnn ? "cudnn:activation(" : "cuda:pointwise(") + m_spec.name +
                ", " + ctx().description() + ")");
    return Status::ok();
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, 1, 0, m_spec.name));
    LOOM_RETURN_IF_ERROR(upload(ctx(), *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(apply());
    return download(ctx(), m_y, *args.dst, m_staging);
  }

  Status runBackward(KernelArgs& args) override {
    Tensor* diffSrc = diffSrcAt(args, 0);
    if (!diffSrc) return Status::ok();
    if (!m_backward) return internalError("activation kernel: diffSrc requested but not planned");
    if (!args.diffDst) return internalError("activation kernel: backward without diffDst");
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_x, m_staging));
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dy, m_staging));
    LOOM_RETURN_IF_ERROR(m_dx.reserve(bytes()));
    if (m_spec.cudnn) {
      LOOM_RETURN_IF_ERROR(apply());
      const float one = 1.0f, zero = 0.0f;
      LOOM_CUDNN_CHECK(cudnnActivationBackward(c.cudnn(), m_act.get(), &one, m_desc.get(),
                                               m_y.get(), m_desc.get(), m_dy.get(), m_desc.get(),
                                               m_x.get(), &zero, m_desc.get(), m_dx.get()));
    } else {
      LOOM_CUDA_CHECK(launchPointwiseBackward(m_spec.pointwise, m_x.f32(), m_dy.f32(), m_dx.f32(),
                                              m_n, static_cast<float>(m_spec.alpha), stream()));
    }
    return download(c, m_dx, *diffSrc, m_staging);
  }

 private:
  size_t bytes() const { return static_cast<size_t>(m_n) * sizeof(float); }

  // m_y = f(m_x).
  Status apply() {
    LOOM_RETURN_IF_ERROR(m_y.reserve(bytes()));
    if (!m_spec.cudnn) {
      LOOM_CUDA_CHECK(launchPointwiseForward(m_spec.pointwise, m_x.f32(), m_y.f32(), m_n,
                                             static_cast<float>(m_spec.alpha), stream()));
      return Status::ok();
    }
    const float one = 1.0f, zero = 0.0f;
    LOOM_CUDNN_CHECK(cudnnActivationForward(ctx().cudnn(), m_act.get(), &one, m_desc.get(),
                                            m_x.get(), &zero, m_desc.get(), m_y.get()));
    return Status::ok();
  }

  ActivationSpec m_spec;
  std::int64_t m_n;
  bool m_backward;
  TensorDesc m_desc;
  ActivationDesc m_act;
  DeviceBuffer m_x, m_y, m_dy, m_dx;
  Tensor m_staging;
};

Expected<ActivationSpec> activationSpec(const std::string& op, const Attrs& attrs) {
  ActivationSpec s;
  s.name = "relu";
  if (op == "ReLU") return s;
  if (op == "Sigmoid") {
    s.mode = CUDNN_ACTIVATION_SIGMOID;
    s.name = "sigmoid";
    return s;
  }
  if (op == "Tanh") {
    s.mode = CUDNN_ACTIVATION_TANH;
    s.name = "tanh";
    return s;
  }
  if (op == "ELU") {
    s.mode = CUDNN_ACTIVATION_ELU;
    s.alpha = attrs.f("alpha");
    s.name = "elu";
    return s;
  }
  s.cudnn = false;
  if (op == "LeakyReLU") {
    s.pointwise = Pointwise::LeakyReLU;
    s.alpha = attrs.f("alpha");
    s.name = "leaky_relu";
    return s;
  }
  if (op == "GELU") {
    const bool tanh = attrs.s("approximate") == "tanh";
    s.pointwise = tanh ? Pointwise::GeluTanh : Pointwise::GeluErf;
    s.name = tanh ? "gelu_tanh" : "gelu_erf";
    return s;
  }
  return unsupported("no CUDA activation for op " + op);
}

}  // namespace

KernelOrWhy makeActivationKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() != 1) return unsupported("activation kernel needs one input");
  if (request.shape->output != request.inputDims[0])
    return unsupported("activation kernel needs output dims equal to input dims");
  auto spec = activationSpec(request.op->schema().name, *request.attrs);
  if (!spec) return spec.status();
  auto kernel = std::make_unique<ActivationKernel>(ctx, request, *spec);
  LOOM_RETURN_IF_ERROR(declined(kernel->init(), spec->name));
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace loom::cuda
