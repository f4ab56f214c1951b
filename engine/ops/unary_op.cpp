#include "engine/ops/unary_op.h"

#include "engine/ops/op_helpers.h"

namespace loom {

UnaryOp::UnaryOp(OpSchema schema, std::int64_t flopsPerElement)
    : m_schema(std::move(schema)), m_flopsPerElement(flopsPerElement) {
  m_schema.category = "Activation";
  m_schema.inputNames = {"input"};
}

Expected<ShapeInfo> UnaryOp::inferShapes(const std::vector<Dims>& inputs, const Attrs&) const {
  ShapeInfo info;
  info.output = inputs.at(0);
  return info;
}

Cost UnaryOp::cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
                   const Attrs& attrs) const {
  Cost c = Op::cost(inputs, info, attrs);
  c.flops = numElements(info.output) * m_flopsPerElement;
  return c;
}

Status UnaryOp::forward(KernelArgs& args) const {
  LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
  apply(args.src[0]->f32(), args.dst->f32(), args.src[0]->numel(), *args.attrs);
  return Status::ok();
}

Status UnaryOp::backward(KernelArgs& args) const {
  LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
  Tensor* dx = diffSrcAt(args, 0);
  if (!dx) return Status::ok();
  gradient(args.src[0]->f32(), args.diffDst->f32(), dx->f32(), dx->numel(), *args.attrs);
  return Status::ok();
}

}  // namespace loom
