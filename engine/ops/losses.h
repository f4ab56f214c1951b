// Training losses and accuracy counting. These are not graph ops: the trainer applies them
// to the graph's output. Each loss returns the mean over the batch (PyTorch's default
// reduction="mean") and, when `diffPrediction` is given, overwrites it with
// d(loss)/d(prediction) (already divided by the element count, ready for backward).
//
// Inputs are Plain float32 tensors; labels are int64. Errors name the argument and values.
#pragma once

#include <cstdint>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// Softmax cross-entropy on logits [N, C] with class labels [N] (int64, each in [0, C)).
/// With label smoothing eps the target distribution is (1 - eps) * onehot + eps / C
/// (PyTorch's CrossEntropyLoss(label_smoothing=eps)). eps in [0, 1].
Expected<double> softmaxCrossEntropy(const Tensor& logits, const Tensor& labels,
                                     double labelSmoothing = 0.0, Tensor* diffLogits = nullptr);

/// Mean squared error over all elements; target has the prediction's shape (float32).
Expected<double> meanSquaredError(const Tensor& prediction, const Tensor& target,
                                  Tensor* diffPrediction = nullptr);

/// Binary cross-entropy on logits (PyTorch's BCEWithLogitsLoss), mean over all elements,
/// targets in [0, 1] of the same shape. Stable form:
///   max(x, 0) - x * t + log(1 + exp(-|x|)).
Expected<double> binaryCrossEntropyWithLogits(const Tensor& logits, const Tensor& targets,
                                              Tensor* diffLogits = nullptr);

/// How many of the N rows of scores [N, C] have their label [N] (int64) among the top k.
/// Ties are broken by the lowest class index, as torch.argmax and Keras'
/// sparse_categorical_accuracy do: a row is correct when fewer than k classes rank ahead of
/// the label, where class c ranks ahead if it scores higher, or equal with c < label. So a
/// constant classifier scores 1/C on balanced data, never 100 %. k >= 1. NonFinite if a
/// score is NaN (accuracy is undefined then); +-Inf scores are ordered normally.
Expected<std::int64_t> countTopKCorrect(const Tensor& scores, const Tensor& labels, int k = 1);

}  // namespace loom
