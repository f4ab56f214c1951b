#include "engine/ops/reshape_common.h"

#include <cstring>

#include "engine/ops/op_helpers.h"

namespace loom {

Status copyElementsForward(KernelArgs& args) {
  LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, false));
  const Tensor& src = *args.src[0];
  if (src.numel() != args.dst->numel())
    return internalError("reshape copies " + dimsToString(src.dims()) + " into " +
                         dimsToString(args.dst->dims()));
  if (!src.sameStorage(*args.dst)) std::memcpy(args.dst->raw(), src.raw(), src.bytes());
  return Status::ok();
}

Status copyElementsBackward(KernelArgs& args) {
  LOOM_RETURN_IF_ERROR(checkReferenceArgs(args, true));
  Tensor* dx = diffSrcAt(args, 0);
  if (!dx) return Status::ok();
  if (dx->numel() != args.diffDst->numel())
    return internalError("reshape copies " + dimsToString(args.diffDst->dims()) + " into " +
                         dimsToString(dx->dims()));
  if (!dx->sameStorage(*args.diffDst)) std::memcpy(dx->raw(), args.diffDst->raw(), dx->bytes());
  return Status::ok();
}

}  // namespace loom
