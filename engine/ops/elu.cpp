#include "engine/ops/elu.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

OpSchema eluSchema() {
  OpSchema s;
  s.name = "ELU";
  s.doc = "x for x > 0, alpha * (exp(x) - 1) otherwise.";
  s.attrs = {
      floatAttr("alpha", 1.0, 0.0, std::nullopt, "saturation value for negative inputs is -alpha")};
  return s;
}

class ELUOp final : public UnaryOp {
 public:
  ELUOp() : UnaryOp(eluSchema(), 3) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Elu", {{"alpha", ctx.attrs->f("alpha")}});
    return Status::ok();
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    const float a = static_cast<float>(attrs.f("alpha"));
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : a * std::expm1(x[i]);
  }

  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    const float a = static_cast<float>(attrs.f("alpha"));
    for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : a * std::exp(x[i]) * dy[i];
  }
};

}  // namespace

std::unique_ptr<Op> makeELUOp() {
  return std::make_unique<ELUOp>();
}

}  // namespace loom
