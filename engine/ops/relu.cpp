#include "engine/ops/relu.h"

#include <cmath>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/unary_op.h"

namespace loom {

namespace {

OpSchema reluSchema() {
  OpSchema s;
  s.name = "ReLU";
  s.doc = "max(x, 0).";
  s.attrs = {};
  return s;
}

class ReLUOp final : public UnaryOp {
 public:
  ReLUOp() : UnaryOp(reluSchema(), 1) {}

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    out = singleOnnxNode(ctx, "Relu");
    return Status::ok();
  }

 protected:
  void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  }

  void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                const Attrs& attrs) const override {
    for (std::int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
  }
};

}  // namespace

std::unique_ptr<Op> makeReLUOp() {
  return std::make_unique<ReLUOp>();
}

}  // namespace loom
