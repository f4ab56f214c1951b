// Fuzz target: the ONNX importer on arbitrary bytes (no directory: external data is refused),
// then graph analysis of whatever imported. Any input must give a model or a Status, never a
// crash, a hang or an allocation of what the file merely claims.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/graph/analysis.h"
#include "engine/interop/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto imported = loom::importOnnxBytes(bytes, "fuzz.onnx", "");
  if (!imported) return 0;
  (void)loom::analyzeGraph(imported->model.graph, loom::OpRegistry::global(), 2);
  return 0;
}
