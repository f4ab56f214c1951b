// `loom edit MODEL.loom [--checkpoint CKPT] --cut-after NODE --append-head N
// [--freeze-until NODE] -o OUT.loom` (docs/transfer-learning.md): graph surgery for transfer
// learning. The work is engine/graph/transfer.h's; this file loads, wires and prints.
#include <cstdio>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/graph/model.h"
#include "engine/graph/transfer.h"
#include "engine/train/trainer.h"

namespace loom::cli {

int runEdit(const EditArgs& args) {
  if (args.output.empty()) return reportError(invalidArgument("loom edit needs -o OUT.loom"));
  auto loaded = loadModel(args.model);
  if (!loaded) return reportError(loaded.status());
  Model model = std::move(*loaded);
  // A checkpoint's parameters replace the file's (the edited model carries them); its settings
  // do not: the file's stay as written, not with defaults.
  const pb::TrainingConfig asWritten = model.training;
  const pb::DatasetConfig dataAsWritten = model.dataset;
  if (Status st = useTrainedParameters(model, args.checkpoint, args.model,
                                       "the kept nodes will start from fresh initial values");
      !st)
    return reportError(st);
  model.training = asWritten;
  model.dataset = dataAsWritten;
  TransferEdit edit;
  edit.cutAfter = args.cutAfter;
  edit.headClasses = args.appendHead;
  edit.freezeUntil = args.freezeUntil;
  auto edited = editForTransfer(model, edit);
  if (!edited) return reportError(edited.status().withContext(args.model));
  if (Status st = saveModel(edited->model, args.output); !st) return reportError(st);
  std::printf("wrote %s: %zu nodes, %zu parameter tensors carried over from %s\n",
              args.output.c_str(), edited->model.graph.nodes().size(),
              edited->model.parameters.size(), args.model.c_str());
  for (const std::string& note : edited->notes) std::printf("  %s\n", note.c_str());
  if (const std::string& f = edited->model.training.freeze_until(); !f.empty())
    std::printf(
        "  training.freeze_until: \"%s\" (loom train keeps it and its ancestors as they "
        "are)\n",
        f.c_str());
  return kExitOk;
}

}  // namespace loom::cli
