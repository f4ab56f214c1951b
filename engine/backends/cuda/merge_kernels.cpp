// Add (a device kernel summing the inputs pairwise, left to right, as the reference does) and
// Concat along any axis (one strided device copy per input, cudaMemcpy2DAsync; backward
// copies each input's slice of diffDst back out the same way).
#include <cstring>

#include "engine/backends/cuda/cuda_kernels.h"
#include "engine/backends/cuda/device_kernels.h"
#include "engine/ops/op_helpers.h"

namespace loom::cuda {

namespace {

class AddKernel final : public CudaKernel {
 public:
  AddKernel(const ContextPtr& c, const KernelRequest& r)
      : CudaKernel(c, r), m_inputs(r.inputDims.size()), m_n(numElements(r.shape->output)) {
    setImplName("cuda:add(" + c->description() + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, m_inputs, 0, "Add"));
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.src[0], m_acc, m_staging));
    for (size_t i = 1; i < m_inputs; ++i) {
      LOOM_RETURN_IF_ERROR(upload(c, *args.src[i], m_term, m_staging));
      LOOM_CUDA_CHECK(launchAdd(m_acc.f32(), m_term.f32(), m_acc.f32(), m_n, stream()));
      // The next upload reuses m_term: the stream orders it after this kernel.
    }
    return download(c, m_acc, *args.dst, m_staging);
  }

  // d(sum)/d(src_i) = 1: every wanted input gets a copy of diffDst. With host-resident
  // tensors (cuda_util.h) that is a host copy; nothing needs the device.
  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Add kernel: backward without diffDst");
    for (Tensor* diffSrc : args.diffSrc) {
      if (!diffSrc) continue;
      if (diffSrc->layout() == args.diffDst->layout())
        std::memcpy(diffSrc->raw(), args.diffDst->raw(), diffSrc->bytes());
      else
        diffSrc->assignConverted(*args.diffDst);
    }
    return Status::ok();
  }

 private:
  size_t m_inputs;
  std::int64_t m_n;
  DeviceBuffer m_acc, m_term;
  Tensor m_staging;
};

class ConcatKernel final : public CudaKernel {
 public:
  ConcatKernel(const ContextPtr& c, const KernelRequest& r, int axis)
      : CudaKernel(c, r), m_training(r.training) {
    const Dims& out = r.shape->output;
    const std::int64_t after = productFrom(out, static_cast<size_t>(axis) + 1);
    m_outer =
        numElements(out) == 0 ? 0 : numElements(out) / (out[static_cast<size_t>(axis)] * after);
    m_outRow = out[static_cast<size_t>(axis)] * after;
    std::int64_t offset = 0;
    for (const Dims& d : r.inputDims) {
      const std::int64_t row = d[static_cast<size_t>(axis)] * after;
      m_rows.push_back(row);
      m_offsets.push_back(offset);
      offset += row;
    }
    m_src.resize(r.inputDims.size());
    m_staging.resize(r.inputDims.size());
    setImplName("cuda:concat(memcpy2d, " + c->description() + ")");
  }

 protected:
  Status runForward(KernelArgs& args) override {
    LOOM_RETURN_IF_ERROR(checkArgs(args, m_rows.size(), 0, "Concat"));
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(m_dst.reserve(bytes(m_outer * m_outRow)));
    for (size_t i = 0; i < m_rows.size(); ++i) {
      LOOM_RETURN_IF_ERROR(upload(c, *args.src[i], m_src[i], m_staging[i]));
      if (m_rows[i] == 0 || m_outer == 0) continue;
      LOOM_CUDA_CHECK(cudaMemcpy2DAsync(
          m_dst.f32() + m_offsets[i], bytes(m_outRow), m_src[i].get(), bytes(m_rows[i]),
          bytes(m_rows[i]), static_cast<size_t>(m_outer), cudaMemcpyDeviceToDevice, stream()));
    }
    return download(c, m_dst, *args.dst, m_dstStaging);
  }

  Status runBackward(KernelArgs& args) override {
    if (!args.diffDst) return internalError("Concat kernel: backward without diffDst");
    if (!m_training) return internalError("Concat kernel: backward on an inference kernel");
    Context& c = ctx();
    LOOM_RETURN_IF_ERROR(upload(c, *args.diffDst, m_dst, m_dstStaging));
    for (size_t i = 0; i < args.diffSrc.size() && i < m_rows.size(); ++i) {
      Tensor* diffSrc = args.diffSrc[i];
      if (!diffSrc) continue;
      LOOM_RETURN_IF_ERROR(m_src[i].reserve(bytes(m_outer * m_rows[i])));
      if (m_rows[i] > 0 && m_outer > 0)
        LOOM_CUDA_CHECK(cudaMemcpy2DAsync(
            m_src[i].get(), bytes(m_rows[i]), m_dst.f32() + m_offsets[i], bytes(m_outRow),
            bytes(m_rows[i]), static_cast<size_t>(m_outer), cudaMemcpyDeviceToDevice, stream()));
      LOOM_RETURN_IF_ERROR(download(c, m_src[i], *diffSrc, m_staging[i]));
    }
    return Status::ok();
  }

 private:
  static size_t bytes(std::int64_t floats) { return static_cast<size_t>(floats) * sizeof(float); }

  bool m_training;
  std::int64_t m_outer = 0, m_outRow = 0;
  std::vector<std::int64_t> m_rows, m_offsets;  ///< per input: row length, offset in a dst row
  std::vector<DeviceBuffer> m_src;
  DeviceBuffer m_dst;
  std::vector<Tensor> m_staging;
  Tensor m_dstStaging;
};

}  // namespace

KernelOrWhy makeAddKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() < 2) return unsupported("Add kernel needs at least two inputs");
  for (const Dims& d : request.inputDims)
    if (d != request.shape->output)
      return unsupported("Add kernel needs every input shaped like the output " +
                         dimsToString(request.shape->output) + ", got " + dimsToString(d));
  return std::unique_ptr<Kernel>(std::make_unique<AddKernel>(ctx, request));
}

KernelOrWhy makeConcatKernel(const KernelRequest& request, const ContextPtr& ctx) {
  if (request.inputDims.size() < 2) return unsupported("Concat kernel needs at least two inputs");
  auto axis = resolveAxis(request.attrs->i("axis"), request.shape->output, "axis");
  if (!axis) return axis.status();
  for (const Dims& d : request.inputDims)
    if (d.size() != request.shape->output.size())
      return unsupported("Concat kernel needs inputs of the output's rank");
  return std::unique_ptr<Kernel>(std::make_unique<ConcatKernel>(ctx, request, *axis));
}

}  // namespace loom::cuda
