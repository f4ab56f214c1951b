#include "engine/ops/leaky_relu.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

OpSchema leakyReluSchema() {
  OpSchema s;
  s.name = "LeakyReLU";
  s.doc = "x for x > 0, alpha * x otherwise.";
  s.attrs = {floatAttr("alpha", 0.01, 0.0, std::nullopt, "slope for x <= 0")};
  return s;
}

class LeakyReLUOp final : public UnaryOp {
 public:
  LeakyReLUOp() : UnaryOp(leakyReluSchema(), 1) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "LeakyRelu", {{"alpha", ctx.attrs->f("alpha")}});
    return Status::ok();
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    const float a = static_cast<float>(attrs.f("alpha"));
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : a * x[i];
  }

  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    const float a = static_cast<float>(attrs.f("alpha"));
    for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : a * dy[i];
  }
};

}  // namespace

std::unique_ptr<Op> makeLeakyReLUOp() {
  return std::make_unique<LeakyReLUOp>();
}

}  // namespace loom
