#include "engine/ops/tanh.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

OpSchema tanhSchema() {
  OpSchema s;
  s.name = "Tanh";
  s.doc = "Hyperbolic tangent.";
  s.attrs = {};
  return s;
}

class TanhOp final : public UnaryOp {
 public:
  TanhOp() : UnaryOp(tanhSchema(), 4) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Tanh");
    return Status::ok();
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
  }

  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) {
      const float t = std::tanh(x[i]);
      dx[i] = dy[i] * (1.0f - t * t);
    }
  }
};

}  // namespace

std::unique_ptr<Op> makeTanhOp() {
  return std::make_unique<TanhOp>();
}

}  // namespace loom
