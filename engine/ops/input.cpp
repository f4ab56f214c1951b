#include "engine/ops/input.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

class InputOp final : public Op {
 public:
  InputOp() {
    m_schema.name = "Input";
    m_schema.category = "Input";
    m_schema.doc =
        "Feeds a batch of samples into the graph. `shape` is the per-sample shape, "
        "e.g. [1, 28, 28] for a grey image (channels first).";
    m_schema.minInputs = 0;
    m_schema.maxInputs = 0;
    m_schema.attrs = {intsAttr("shape", std::nullopt, 0, 1,
                               "per-sample dimensions, without the batch (e.g. [1, 28, 28])")};
  }

  const OpSchema& schema() const override { return m_schema; }

  // The caller passes {Dims{batch}} (engine/graph/analysis.cpp).
  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    if (inputs.size() != 1 || inputs[0].size() != 1 || inputs[0][0] < 1)
      return internalError("Input expects the batch size as its only input dims");
    const auto& shape = attrs.ints("shape");
    if (shape.empty())
      return invalidArgument("attribute \"shape\" = [] must have at least one element");
    ShapeInfo info;
    info.output.push_back(inputs[0][0]);
    info.output.insert(info.output.end(), shape.begin(), shape.end());
    return info;
  }

  Status forward(KernelArgs&) const override { return Status::ok(); }
  Status backward(KernelArgs&) const override { return Status::ok(); }

  // The exporter declares an Input node as a graph input ([N, shape...], N symbolic).
  Status toOnnx(const OnnxExportContext&, OnnxFragment&) const override { return Status::ok(); }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeInputOp() {
  return std::make_unique<InputOp>();
}

}  // namespace loom
