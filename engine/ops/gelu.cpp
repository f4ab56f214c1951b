#include "engine/ops/gelu.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

constexpr float kInvSqrt2 = 0.70710678118654752f;     // 1 / sqrt(2)
constexpr float kSqrt2 = 1.41421356237309505f;        // sqrt(2)
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

  // ONNX has no Gelu before opset 20: the formula itself, in the form PyTorch's exporter
  // writes (so runtimes that fuse GELU recognise it), with [1]-shaped constants that broadcast.
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& f) const override {
    const std::string& x = ctx.inputs.at(0);
    const std::string p = ctx.nodeName + "/";
    auto constant = [&](const char* name, float value) {
      Tensor t({1});
      t.f32()[0] = value;
      f.initializers.push_back({p + name, t});
      return p + name;
    };
    auto step = [&](const char* op, const char* name, std::string a, std::string b) {
      f.nodes.push_back(onnxNode(op, p + name, {std::move(a), std::move(b)}, p + name));
      return p + name;
    };
    std::string inner;  // 1 + erf(x / sqrt 2), or 1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))
    if (ctx.attrs->s("approximate") == "tanh") {
      const std::string cube = step("Mul", "cube", step("Mul", "square", x, x), x);
      const std::string sum =
          step("Add", "sum", x, step("Mul", "cubic", cube, constant("c", kCubic)));
      const std::string u = step("Mul", "scaled", sum, constant("sqrt_2_over_pi", kSqrt2OverPi));
      f.nodes.push_back(onnxNode("Tanh", p + "tanh", {u}, p + "tanh"));
      inner = step("Add", "one_plus", p + "tanh", constant("one", 1.0f));
    } else {
      const std::string scaled = step("Div", "scaled", x, constant("sqrt2", kSqrt2));
      f.nodes.push_back(onnxNode("Erf", p + "erf", {scaled}, p + "erf"));
      inner = step("Add", "one_plus", p + "erf", constant("one", 1.0f));
    }
    const std::string product = step("Mul", "times_x", x, inner);
    f.nodes.push_back(onnxNode("Mul", ctx.nodeName, {product, constant("half", 0.5f)}, ctx.output));
    return Status::ok();
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
