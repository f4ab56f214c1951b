// train(): the whole run as one call, a short loop over Trainer (trainer.h).
#include "engine/train/trainer.h"

namespace loom {

Expected<TrainResult> train(Model& model, const TrainOptions& options) {
  applyDefaults(model);
  LOOM_ASSIGN_OR_RETURN(std::unique_ptr<Trainer> trainer, Trainer::create(model, options));
  while (!trainer->done()) LOOM_RETURN_IF_ERROR(trainer->step());
  LOOM_ASSIGN_OR_RETURN(TrainResult result, trainer->finish());
  model.parameters = trainer->trainedModel().parameters;
  return result;
}

}  // namespace loom
