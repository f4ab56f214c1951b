// UnaryOp: base of the element-wise activations (every op whose schema category it sets).
// Output shape = input shape (any rank), no params. Subclasses supply the two loops;
// backward reads src (never dst), so the executor need not keep the output alive.
#pragma once

#include <cstdint>

#include "engine/ops/op.h"

namespace loom {

class UnaryOp : public Op {
 public:
  /// `flopsPerElement`: what cost() charges per output element.
  UnaryOp(OpSchema schema, std::int64_t flopsPerElement);

  const OpSchema& schema() const override { return m_schema; }
  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override;
  Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
            const Attrs& attrs) const override;
  Status forward(KernelArgs& args) const override;
  Status backward(KernelArgs& args) const override;

 protected:
  /// y[i] = f(x[i]) for i < n.
  virtual void apply(const float* x, float* y, std::int64_t n, const Attrs& attrs) const = 0;
  /// dx[i] = f'(x[i]) * dy[i] for i < n.
  virtual void gradient(const float* x, const float* dy, float* dx, std::int64_t n,
                        const Attrs& attrs) const = 0;

 private:
  OpSchema m_schema;
  std::int64_t m_flopsPerElement;
};

}  // namespace loom
