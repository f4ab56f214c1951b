// Explicit registration of every built-in op (no file-static registrars).
#include <cassert>

#include "engine/ops/add.h"
#include "engine/ops/avg_pool2d.h"
#include "engine/ops/batch_norm.h"
#include "engine/ops/concat.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/dense.h"
#include "engine/ops/dropout.h"
#include "engine/ops/elu.h"
#include "engine/ops/flatten.h"
#include "engine/ops/gelu.h"
#include "engine/ops/global_avg_pool.h"
#include "engine/ops/input.h"
#include "engine/ops/leaky_relu.h"
#include "engine/ops/max_pool2d.h"
#include "engine/ops/op.h"
#include "engine/ops/relu.h"
#include "engine/ops/reshape.h"
#include "engine/ops/sigmoid.h"
#include "engine/ops/softmax.h"
#include "engine/ops/tanh.h"

namespace loom {

void registerBuiltinOps(OpRegistry& registry) {
  if (registry.find("Input")) return;
  // Palette order: data in, layers, activations, shape, merge.
  std::unique_ptr<Op> (*const makers[])() = {
      makeInputOp,         makeDenseOp,     makeConv2DOp,  makeMaxPool2DOp, makeAvgPool2DOp,
      makeGlobalAvgPoolOp, makeBatchNormOp, makeDropoutOp, makeReLUOp,      makeLeakyReLUOp,
      makeELUOp,           makeGELUOp,      makeSigmoidOp, makeTanhOp,      makeSoftmaxOp,
      makeFlattenOp,       makeReshapeOp,   makeAddOp,     makeConcatOp,
  };
  for (auto make : makers) {
    Status st = registry.add(make());
    assert(st.isOk() && "built-in op registered twice");
    (void)st;
  }
}

}  // namespace loom
