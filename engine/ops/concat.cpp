#include "engine/ops/concat.h"

#include <cstring>

#include "engine/ops/onnx_mapping.h"
#include "engine/ops/op_helpers.h"

namespace loom {

namespace {

class ConcatOp final : public Op {
 public:
  ConcatOp() {
    m_schema.name = "Concat";
    m_schema.category = "Merge";
    m_schema.doc =
        "Concatenates two or more inputs along `axis` (1 = channels); the other "
        "dimensions must match.";
    m_schema.inputNames = {"input"};
    m_schema.minInputs = 2;
    m_schema.maxInputs = -1;
    m_schema.attrs = {intAttr("axis", 1, std::nullopt, std::nullopt,
                              "axis to join along; negative counts from the end; not 0")};
  }

  const OpSchema& schema() const override { return m_schema; }

  Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                  const Attrs& attrs) const override {
    if (inputs.size() < 2)
      return invalidArgument("Concat takes at least 2 inputs, got " +
                             std::to_string(inputs.size()));
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(attrs.i("axis"), inputs[0], "axis"));
    if (axis == 0)
      return invalidArgument("attribute \"axis\" = " + std::to_string(attrs.i("axis")) +
                             " is the batch axis; Concat joins along a per-sample axis (>= 1)");
    Dims out = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
      const Dims& d = inputs[i];
      bool ok = d.size() == out.size();
      for (size_t k = 0; ok && k < d.size(); ++k)
        ok = static_cast<int>(k) == axis || d[k] == inputs[0][k];
      if (!ok)
        return shapeMismatch(shapePairMessage(i, d, 0, inputs[0]) +
                             "; all dimensions except axis " + std::to_string(axis) +
                             " must match");
      out[static_cast<size_t>(axis)] += d[static_cast<size_t>(axis)];
    }
    ShapeInfo info;
    info.output = out;
    return info;
  }

  Status forward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(args.attrs->i("axis"), args.dst->dims(), "axis"));
    forEachBlock(args.dst->dims(), args.src, axis,
                 [&](size_t k, std::int64_t srcOffset, std::int64_t dstOffset, std::int64_t len) {
                   std::memcpy(args.dst->f32() + dstOffset, args.src[k]->f32() + srcOffset,
                               static_cast<size_t>(len) * sizeof(float));
                 });
    return Status::ok();
  }

  Status backward(KernelArgs& args) const override {
    LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
    LOOM_ASSIGN_OR_RETURN(int axis,
                          resolveAxis(args.attrs->i("axis"), args.diffDst->dims(), "axis"));
    forEachBlock(args.diffDst->dims(), args.src, axis,
                 [&](size_t k, std::int64_t srcOffset, std::int64_t dstOffset, std::int64_t len) {
                   if (Tensor* dx = diffSrcAt(args, k))
                     std::memcpy(dx->f32() + srcOffset, args.diffDst->f32() + dstOffset,
                                 static_cast<size_t>(len) * sizeof(float));
                 });
    return Status::ok();
  }

  Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const override {
    LOOM_ASSIGN_OR_RETURN(int axis, resolveAxis(ctx.attrs->i("axis"), ctx.outputDims, "axis"));
    out = singleOnnxNode(ctx, "Concat", {{"axis", std::int64_t{axis}}});
    return Status::ok();
  }

 private:
  // Calls fn(input, srcOffset, dstOffset, length) for every contiguous block: for each
  // index before the axis, input k contributes dims[axis] * inner consecutive elements.
  template <class Fn>
  static void forEachBlock(const Dims& outDims, const std::vector<const Tensor*>& srcs, int axis,
                           Fn&& fn) {
    std::int64_t outer = 1;
    for (int i = 0; i < axis; ++i) outer *= outDims[static_cast<size_t>(i)];
    const std::int64_t inner = productFrom(outDims, static_cast<size_t>(axis) + 1);
    const std::int64_t outBlock = outDims[static_cast<size_t>(axis)] * inner;
    for (std::int64_t o = 0; o < outer; ++o) {
      std::int64_t dstOffset = o * outBlock;
      for (size_t k = 0; k < srcs.size(); ++k) {
        const std::int64_t len = srcs[k]->dim(axis) * inner;
        fn(k, o * len, dstOffset, len);
        dstOffset += len;
      }
    }
  }

  OpSchema m_schema;
};

}  // namespace

std::unique_ptr<Op> makeConcatOp() {
  return std::make_unique<ConcatOp>();
}

}  // namespace loom
