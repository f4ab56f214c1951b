#include "engine/ops/sigmoid.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

// exp of a non-positive argument only, so neither branch overflows.
float logistic(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

OpSchema sigmoidSchema() {
  OpSchema s;
  s.name = "Sigmoid";
  s.doc = "1 / (1 + exp(-x)).";
  s.attrs = {};
  return s;
}

class SigmoidOp final : public UnaryOp {
 public:
  SigmoidOp() : UnaryOp(sigmoidSchema(), 4) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Sigmoid");
    return Status::ok();
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) y[i] = logistic(x[i]);
  }

  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) {
      const float s = logistic(x[i]);
      dx[i] = dy[i] * s * (1.0f - s);
    }
  }
};

}  // namespace

std::unique_ptr<Op> makeSigmoidOp() {
  return std::make_unique<SigmoidOp>();
}

}  // namespace loom
