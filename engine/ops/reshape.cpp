#include "engine/ops/reshape.h"

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"
#include "engine/ops/reshape_common.h"

namespace loom {

namespace {

class ReshapeOp final : public Op {
 public:
  ReshapeOp() {
    m_schema.name = "Reshape";
    m_schema.category = "Shape";
    m_schema.doc =
        "Gives every sample a new shape with the same element count; one dimension "
        "may be -1 (inferred).";
    m_schema.inputNames = {"input"};
    m_schema.attrs = {intsAttr("shape", std::nullopt, 0, -1,
                               "per-sample target dimensions, e.g. [1, 28, 28]; one may be -1")};
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    const Dims& in = inputs.at(0);
    const auto& target = attrs.ints("shape");
    if (in.empty()) return shapeMismatch("input 0 has shape [] but Reshape needs [N, ...]");
    if (target.empty())
      return invalidArgument("attribute \"shape\" = [] must have at least one element");
    const std::int64_t have = productFrom(in, 1);
    std::int64_t known = 1;
    int inferred = -1;
    for (size_t i = 0; i < target.size(); ++i) {
      if (target[i] == 0)
        return invalidArgument("attribute \"shape\" = " + attrToString(target) +
                               " has a 0; dimensions must be >= 1 or -1");
      if (target[i] == -1) {
        if (inferred >= 0)
          return invalidArgument("attribute \"shape\" = " + attrToString(target) +
                                 " has more than one -1");
        inferred = static_cast<int>(i);
        continue;
      }
      known *= target[i];
    }
    Dims perSample(target.begin(), target.end());
    if (inferred >= 0) {
      if (have % known != 0)
        return shapeMismatch("cannot reshape input " + dimsToString(in) + " (" +
                             std::to_string(have) + " elements per sample) to " +
                             attrToString(target) + ": " + std::to_string(have) +
                             " is not a multiple of " + std::to_string(known));
      perSample[static_cast<size_t>(inferred)] = have / known;
    } else if (known != have) {
      return shapeMismatch("cannot reshape input " + dimsToString(in) + " (" +
                           std::to_string(have) + " elements per sample) to " +
                           attrToString(target) + " (" + std::to_string(known) + " elements)");
    }
    ShapeInfo info;
    info.output.push_back(in[0]);
    info.output.insert(info.output.end(), perSample.begin(), perSample.end());
    return info;
  }

  Status forward(KernelArgs& args) const override { return copyElementsForward(args); }
  Status backward(KernelArgs& args) const override { return copyElementsBackward(args); }

  // The target shape is a constant [-1, per-sample dims...] initializer, so any batch size
  // works (a Shape-derived shape is folded at batch 1 by OpenCV 4.6, FORMATS.md §2.4).
  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    std::vector<std::int64_t> shape = {-1};
    shape.insert(shape.end(), ctx.outputDims.begin() + 1, ctx.outputDims.end());
    out = singleOnnxNode(ctx, "Reshape");
    out.initializers.push_back(int64Initializer(ctx.nodeName + ".shape", shape));
    out.nodes[0].inputs.push_back(ctx.nodeName + ".shape");
    return Status::ok();
  }

 private:
  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeReshapeOp() {
  return std::make_unique<ReshapeOp>();
}

}  // namespace loom
