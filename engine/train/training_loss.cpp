#include "engine/train/training_loss.h"

#include "engine/ops/losses.h"

namespace loom {

Expected<double> computeLoss(const pb::LossConfig& cfg, const Tensor& logits, const Tensor& labels,
                             Tensor* diff) {
  if (cfg.type() == "softmax_cross_entropy")
    return softmaxCrossEntropy(logits, labels, cfg.label_smoothing(), diff);
  Tensor target(logits.dims());
  const std::int64_t classes = logits.dim(1);
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    target.f32()[i * classes + labels.data<std::int64_t>()[i]] = 1.0f;
  if (cfg.type() == "mse") return meanSquaredError(logits, target, diff);
  if (cfg.type() == "binary_cross_entropy")
    return binaryCrossEntropyWithLogits(logits, target, diff);
  return invalidArgument("loss \"" + cfg.type() +
                         "\" is not one of: softmax_cross_entropy, mse, binary_cross_entropy");
}

}  // namespace loom
