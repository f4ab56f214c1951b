// Fuzz target: the `.loom` text parser, then graph analysis of whatever parsed (the path a
// model file takes in `loom info`). Any input must give a model or a Status, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/graph/analysis.h"
#include "engine/graph/model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto model = loom::parseModel(text, "fuzz.loom");
  if (!model) return 0;
  (void)loom::analyzeGraph(model->graph, loom::OpRegistry::global(), 2);
  return 0;
}
