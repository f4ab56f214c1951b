// `loom import model.onnx -o model.loom` (docs/onnx.md): the work is engine/interop's.
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/graph/model.h"
#include "engine/interop/onnx_import.h"

namespace loom::cli {

int runImport(const ImportArgs& args) {
  auto imported = importOnnx(args.onnx);
  if (!imported) return reportError(imported.status());
  if (Status st = saveModel(imported->model, args.output); !st) return reportError(st);
  std::printf("wrote %s: %zu nodes, %zu parameters from %s\n", args.output.c_str(),
              imported->model.graph.nodes().size(), imported->model.parameters.size(),
              args.onnx.c_str());
  for (const std::string& note : imported->notes) std::printf("  %s\n", note.c_str());
  return kExitOk;
}

}  // namespace loom::cli
