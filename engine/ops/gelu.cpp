#include "engine/ops/gelu.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;     // 1 / sqrt(2)
constexpr float kInvSqrt2Pi = 0.39894228040143268f;   // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;  // sqrt(2 / pi)
constexpr float kCubic = 0.044715f;

OpSchema geluSchema() {
  OpSchema s;
  s.name = "GELU";
  s.doc =
      "Gaussian error linear unit: x * Phi(x), Phi the standard normal CDF (or its tanh "
      "approximation), as in BERT and GPT.";
  s.attrs = {
      stringAttr("approximate", "none", {"none", "tanh"},
                 "none: exact, with erf; tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))")};
  return s;
}

class GELUOp final : public UnaryOp {
 public:
  GELUOp() : UnaryOp(geluSchema(), 8) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment&) const override {
    return unsupported("GELU has no ONNX operator before opset 20 (Loom writes opset " +
                       std::to_string(ctx.opset) +
                       "); an Erf/Tanh decomposition is not exported yet");
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    if (attrs.s("approximate") == "tanh") {
      for (std::int64_t i = 0; i < n; ++i) {
        const float t = std::tanh(kSqrt2OverPi * (x[i] + kCubic * x[i] * x[i] * x[i]));
        y[i] = 0.5f * x[i] * (1.0f + t);
      }
      return;
    }
    for (std::int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
  }

  // d/dx x Phi(x) = Phi(x) + x phi(x); for tanh, d/dx 0.5 x (1 + t(u(x))) with
  // t' = 1 - t^2 and u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    if (attrs.s("approximate") == "tanh") {
      for (std::int64_t i = 0; i < n; ++i) {
        const float x2 = x[i] * x[i];
        const float t = std::tanh(kSqrt2OverPi * (x[i] + kCubic * x2 * x[i]));
        const float du = kSqrt2OverPi * (1.0f + 3.0f * kCubic * x2);
        dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * x[i] * (1.0f - t * t) * du);
      }
      return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      const float cdf = 0.5f * (1.0f + std::erf(x[i] * kInvSqrt2));
      const float pdf = kInvSqrt2Pi * std::exp(-0.5f * x[i] * x[i]);
      dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
  }
};

}  // namespace

std::unique_ptr<Op> makeGELUOp() {
  return std::make_unique<GELUOp>();
}

}  // namespace loom
