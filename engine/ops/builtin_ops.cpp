// Explicit registration of every built-in op (no file-static registrars).
#include "engine/ops/op.h"

namespace loom {

void registerBuiltinOps(OpRegistry& registry) {
  if (registry.find("Input")) return;
  // Filled in as ops are added: registry.add(makeInputOp()); ...
}

}  // namespace loom
