// The loss a model's TrainingConfig names, against integer class labels (internal to
// engine/train; the loss functions themselves are in ops/losses.h).
#pragma once

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/proto/loom.pb.h"

namespace loom {

/// Mean loss of `logits` [B, classes] against `labels` I64 [B]; writes d(loss)/d(logits)
/// into `diff` when it is not null. MSE and BCE regress one-hot targets of the labels.
Expected<double> computeLoss(const pb::LossConfig& config, const Tensor& logits,
                             const Tensor& labels, Tensor* diff);

}  // namespace loom
