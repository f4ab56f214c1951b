#include <cstdio>

#include "app/cli/commands.h"
#include "engine/train/trainer.h"

namespace loom::cli {

Status useTrainedParameters(Model& model, const std::string& checkpoint,
                            const std::string& modelPath, const char* withoutThem) {
  if (!checkpoint.empty()) return loadCheckpointParameters(model, checkpoint);
  if (model.parameters.empty())
    std::fprintf(stderr,
                 "loom: warning: %s has no trained parameters and no --checkpoint was given; %s\n",
                 modelPath.c_str(), withoutThem);
  return Status::ok();
}

}  // namespace loom::cli
