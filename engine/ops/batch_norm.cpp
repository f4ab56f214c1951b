#include "engine/ops/batch_norm.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

// Shape of [N, C, rest...] as (N, C, inner = prod(rest)).
struct BnDims {
  std::int64_t n, c, inner;
  std::int64_t count() const { return n * inner; }
};

BnDims bnDims(const Tensor& t) {
  return {t.dim(0), t.dim(1), productFrom(t.dims(), 2)};
}

// Batch mean and 1 / sqrt(biased var + eps) per channel, accumulated in double.
void batchStatistics(const Tensor& src, double eps, float* mean, float* invStd,
                     double* unbiasedVar) {
  const BnDims d = bnDims(src);
  const float* x = src.f32();
  for (std::int64_t c = 0; c < d.c; ++c) {
    double sum = 0;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float* p = x + (n * d.c + c) * d.inner;
      for (std::int64_t i = 0; i < d.inner; ++i) sum += p[i];
    }
    const double m = sum / static_cast<double>(d.count());
    double sq = 0;
    for (std::int64_t n = 0; n < d.n; ++n) {
      const float* p = x + (n * d.c + c) * d.inner;
      for (std::int64_t i = 0; i < d.inner; ++i) sq += (p[i] - m) * (p[i] - m);
    }
    const double var = sq / static_cast<double>(d.count());
    mean[c] = static_cast<float>(m);
    invStd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
    if (unbiasedVar) unbiasedVar[c] = d.count() > 1 ? sq / static_cast<double>(d.count() - 1) : var;
  }
}

void ensureSaved(std::vector<Tensor>& saved, std::int64_t channels) {
  if (saved.size() != 2 || saved[0].dims() != Dims{channels}) {
    saved.assign(2, Tensor());
    saved[0] = Tensor({channels});
    saved[1] = Tensor({channels});
  }
}

class BatchNormOp final : public Op {
 public:
  BatchNormOp() {
    m_schema.name = "BatchNorm";
    m_schema.category = "Normalization";
    m_schema.doc =
        "Normalises each channel with batch statistics in training and running "
        "statistics in inference, then scales by gamma and shifts by beta.";
    m_schema.inputNames = {"input"};
    m_schema.attrs = {
        floatAttr("momentum", 0.1, 0.0, 1.0,
                  "running = (1 - momentum) * running + momentum * batch (PyTorch convention)"),
        floatAttr("epsilon", 1e-5, 0.0, std::nullopt, "added to the variance"),
    };
  }

  const OpSchema& schema() const override { return m_schema; }
  bool hasTrainingMode() const override { return true; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    const Dims& in = inputs.at(0);
    if (in.size() != 2 && in.size() != 4)
      return shapeMismatch("input 0 has shape " + dimsToString(in) +
                           " but BatchNorm needs [N, C] or [N, C, H, W]");
    const std::int64_t c = in[1];
    ShapeInfo info;
    info.output = in;
    InitSpec ones{InitKind::Ones}, zeros{InitKind::Zeros};
    info.params = {{"gamma", {c}, true, ones},
                   {"beta", {c}, true, zeros},
                   {"running_mean", {c}, false, zeros},
                   {"running_var", {c}, false, ones}};
    return info;
  }

  // Normalise and scale-shift folded into one multiply-add per element.
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override {
    Cost c = Op::cost(inputs, info, attrs);
    c.flops = 2 * numElements(info.output);
    return c;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    const Tensor& src = *args.src[0];
    const BnDims d = bnDims(src);
    const double eps = args.attrs->f("epsilon");
    Tensor mean({d.c}), invStd({d.c});
    if (args.training) {
      if (d.count() < 2)
        return invalidArgument(
            "BatchNorm in training needs more than one value per channel, "
            "got input shape " +
            dimsToString(src.dims()));
      std::vector<double> unbiased(static_cast<size_t>(d.c));
      batchStatistics(src, eps, mean.f32(), invStd.f32(), unbiased.data());
      const float m = static_cast<float>(args.attrs->f("momentum"));
      float* runMean = args.params[2]->f32();
      float* runVar = args.params[3]->f32();
      for (std::int64_t c = 0; c < d.c; ++c) {
        runMean[c] = (1 - m) * runMean[c] + m * mean.f32()[c];
        runVar[c] = (1 - m) * runVar[c] + m * static_cast<float>(unbiased[static_cast<size_t>(c)]);
      }
      if (args.saved) {
        ensureSaved(*args.saved, d.c);
        (*args.saved)[0].copyFrom(mean);
        (*args.saved)[1].copyFrom(invStd);
      }
    } else {
      runningStatistics(args, eps, mean.f32(), invStd.f32());
    }
    const float* gamma = args.params[0]->f32();
    const float* beta = args.params[1]->f32();
    const float* x = src.f32();
    float* y = args.dst->f32();
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t c = 0; c < d.c; ++c) {
        const float scale = gamma[c] * invStd.f32()[c];
        const float shift = beta[c] - mean.f32()[c] * scale;
        const std::int64_t base = (n * d.c + c) * d.inner;
        for (std::int64_t i = 0; i < d.inner; ++i) y[base + i] = x[base + i] * scale + shift;
      }
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    const Tensor& src = *args.src[0];
    const BnDims d = bnDims(src);
    const double eps = args.attrs->f("epsilon");
    Tensor meanT({d.c}), invStdT({d.c});
    if (!args.training) {
      runningStatistics(args, eps, meanT.f32(), invStdT.f32());
    } else if (args.saved && args.saved->size() == 2 && (*args.saved)[0].dims() == Dims{d.c}) {
      meanT.copyFrom((*args.saved)[0]);
      invStdT.copyFrom((*args.saved)[1]);
    } else {
      batchStatistics(src, eps, meanT.f32(), invStdT.f32(), nullptr);
    }
    const float* mean = meanT.f32();
    const float* invStd = invStdT.f32();
    const float* gamma = args.params[0]->f32();
    const float* x = src.f32();
    const float* dy = args.diffDst->f32();
    // Per channel: sum(dy) and sum(dy * xhat), in double.
    std::vector<double> sumDy(static_cast<size_t>(d.c), 0.0),
        sumDyXhat(static_cast<size_t>(d.c), 0.0);
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t c = 0; c < d.c; ++c) {
        const std::int64_t base = (n * d.c + c) * d.inner;
        double s = 0, sx = 0;
        for (std::int64_t i = 0; i < d.inner; ++i) {
          s += dy[base + i];
          sx += dy[base + i] * ((x[base + i] - mean[c]) * invStd[c]);
        }
        sumDy[static_cast<size_t>(c)] += s;
        sumDyXhat[static_cast<size_t>(c)] += sx;
      }
    if (Tensor* dGamma = diffParamAt(args, 0))
      for (std::int64_t c = 0; c < d.c; ++c)
        dGamma->f32()[c] = static_cast<float>(sumDyXhat[static_cast<size_t>(c)]);
    if (Tensor* dBeta = diffParamAt(args, 1))
      for (std::int64_t c = 0; c < d.c; ++c)
        dBeta->f32()[c] = static_cast<float>(sumDy[static_cast<size_t>(c)]);
    Tensor* dxT = diffSrcAt(args, 0);
    if (!dxT) return Status::ok();
    float* dx = dxT->f32();
    const double count = static_cast<double>(d.count());
    for (std::int64_t n = 0; n < d.n; ++n)
      for (std::int64_t c = 0; c < d.c; ++c) {
        const std::int64_t base = (n * d.c + c) * d.inner;
        const float k = gamma[c] * invStd[c];
        if (!args.training) {  // statistics are constants
          for (std::int64_t i = 0; i < d.inner; ++i) dx[base + i] = k * dy[base + i];
          continue;
        }
        // dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat))
        const float meanDy = static_cast<float>(sumDy[static_cast<size_t>(c)] / count);
        const float meanDyXhat = static_cast<float>(sumDyXhat[static_cast<size_t>(c)] / count);
        for (std::int64_t i = 0; i < d.inner; ++i) {
          const float xhat = (x[base + i] - mean[c]) * invStd[c];
          dx[base + i] = k * (dy[base + i] - meanDy - xhat * meanDyXhat);
        }
      }
    return Status::ok();
  }

  // Inference form: running statistics. ONNX's momentum is 1 - PyTorch's (unused in
  // inference, written for the reader).
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(
        ctx, "BatchNormalization",
        {{"epsilon", ctx.attrs->f("epsilon")}, {"momentum", 1.0 - ctx.attrs->f("momentum")}});
    appendParamInputs(ctx, out, out.nodes[0]);
    return Status::ok();
  }

 private:
  static void runningStatistics(const KernelArgs& args, double eps, float* mean, float* invStd) {
    const Tensor& runMean = *args.params[2];
    const Tensor& runVar = *args.params[3];
    for (std::int64_t c = 0; c < runMean.numel(); ++c) {
      mean[c] = runMean.f32()[c];
      invStd[c] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(runVar.f32()[c]) + eps));
    }
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeBatchNormOp() {
  return std::make_unique<BatchNormOp>();
}

}  // namespace loom
