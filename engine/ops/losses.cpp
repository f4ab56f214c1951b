#include "engine/ops/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace loom {

namespace {

Status checkF32(const Tensor& t, const char* what) {
  if (t.empty() || t.dtype() != DType::F32 || t.layout() != Layout::Plain)
    return invalidArgument(std::string(what) + " must be a Plain float32 tensor, got " +
                           dtypeName(t.dtype()) + " " + layoutName(t.layout()) +
                           (t.empty() ? " (empty)" : ""));
  return Status::ok();
}

// logits [N, C] with labels [N] int64 in [0, C).
Status checkClassification(const Tensor& logits, const Tensor& labels) {
  LOOM_RETURN_IF_ERROR(checkF32(logits, "logits"));
  if (logits.rank() != 2)
    return shapeMismatch("logits have shape " + dimsToString(logits.dims()) +
                         " but must be [N, classes]");
  if (labels.empty() || labels.dtype() != DType::I64)
    return invalidArgument(std::string("labels must be int64, got ") + dtypeName(labels.dtype()));
  if (labels.dims() != Dims{logits.dim(0)})
    return shapeMismatch("labels have shape " + dimsToString(labels.dims()) + " but logits have " +
                         dimsToString(logits.dims()) + " (expected [" +
                         std::to_string(logits.dim(0)) + "])");
  const std::int64_t classes = logits.dim(1);
  const auto* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    if (y[i] < 0 || y[i] >= classes)
      return invalidArgument("label " + std::to_string(y[i]) + " at index " + std::to_string(i) +
                             " is outside [0, " + std::to_string(classes) + ")");
  return Status::ok();
}

Status checkSameShape(const Tensor& prediction, const Tensor& target, const char* what) {
  LOOM_RETURN_IF_ERROR(checkF32(prediction, "prediction"));
  LOOM_RETURN_IF_ERROR(checkF32(target, what));
  if (prediction.dims() != target.dims())
    return shapeMismatch(std::string(what) + " has shape " + dimsToString(target.dims()) +
                         " but the prediction has " + dimsToString(prediction.dims()));
  return Status::ok();
}

Status checkDiff(const Tensor* diff, const Tensor& like) {
  if (diff && (diff->dims() != like.dims() || diff->dtype() != DType::F32 ||
               diff->layout() != Layout::Plain))
    return invalidArgument("gradient tensor has shape " + dimsToString(diff->dims()) +
                           " but must be a Plain float32 " + dimsToString(like.dims()));
  return Status::ok();
}

}  // namespace

Expected<double> softmaxCrossEntropy(const Tensor& logits, const Tensor& labels,
                                     double labelSmoothing, Tensor* diffLogits) {
  LOOM_RETURN_IF_ERROR(checkClassification(logits, labels));
  LOOM_RETURN_IF_ERROR(checkDiff(diffLogits, logits));
  if (!(labelSmoothing >= 0.0 && labelSmoothing <= 1.0))
    return invalidArgument("label_smoothing = " + std::to_string(labelSmoothing) +
                           " is outside [0, 1]");
  const std::int64_t n = logits.dim(0), classes = logits.dim(1);
  const double offTarget = labelSmoothing / static_cast<double>(classes);
  const double onTarget = 1.0 - labelSmoothing + offTarget;
  const float* x = logits.f32();
  const auto* y = labels.data<std::int64_t>();
  double total = 0;
  std::vector<double> logProb(static_cast<size_t>(classes));
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = x + i * classes;
    const double m = *std::max_element(row, row + classes);
    double sum = 0;
    for (std::int64_t c = 0; c < classes; ++c) sum += std::exp(row[c] - m);
    const double logSum = m + std::log(sum);
    double rowLoss = 0;
    for (std::int64_t c = 0; c < classes; ++c) {
      logProb[static_cast<size_t>(c)] = row[c] - logSum;
      const double q = c == y[i] ? onTarget : offTarget;
      rowLoss -= q * logProb[static_cast<size_t>(c)];
    }
    total += rowLoss;
    if (diffLogits) {
      // d/dx_c = (softmax_c - q_c) / N, since the target distribution sums to 1.
      float* d = diffLogits->f32() + i * classes;
      for (std::int64_t c = 0; c < classes; ++c) {
        const double q = c == y[i] ? onTarget : offTarget;
        d[c] = static_cast<float>((std::exp(logProb[static_cast<size_t>(c)]) - q) /
                                  static_cast<double>(n));
      }
    }
  }
  return total / static_cast<double>(n);
}

Expected<double> meanSquaredError(const Tensor& prediction, const Tensor& target,
                                  Tensor* diffPrediction) {
  LOOM_RETURN_IF_ERROR(checkSameShape(prediction, target, "target"));
  LOOM_RETURN_IF_ERROR(checkDiff(diffPrediction, prediction));
  const std::int64_t count = prediction.numel();
  const float* p = prediction.f32();
  const float* t = target.f32();
  double total = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double e = static_cast<double>(p[i]) - t[i];
    total += e * e;
    if (diffPrediction)
      diffPrediction->f32()[i] = static_cast<float>(2.0 * e / static_cast<double>(count));
  }
  return total / static_cast<double>(count);
}

Expected<double> binaryCrossEntropyWithLogits(const Tensor& logits, const Tensor& targets,
                                              Tensor* diffLogits) {
  LOOM_RETURN_IF_ERROR(checkSameShape(logits, targets, "targets"));
  LOOM_RETURN_IF_ERROR(checkDiff(diffLogits, logits));
  const std::int64_t count = logits.numel();
  const float* x = logits.f32();
  const float* t = targets.f32();
  for (std::int64_t i = 0; i < count; ++i)
    if (!(t[i] >= 0.0f && t[i] <= 1.0f))
      return invalidArgument("target " + std::to_string(t[i]) + " at index " + std::to_string(i) +
                             " is outside [0, 1]");
  double total = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double xi = x[i], ti = t[i];
    total += std::max(xi, 0.0) - xi * ti + std::log1p(std::exp(-std::fabs(xi)));
    if (diffLogits) {
      const double s = xi >= 0 ? 1.0 / (1.0 + std::exp(-xi)) : std::exp(xi) / (1.0 + std::exp(xi));
      diffLogits->f32()[i] = static_cast<float>((s - ti) / static_cast<double>(count));
    }
  }
  return total / static_cast<double>(count);
}

Expected<std::int64_t> countTopKCorrect(const Tensor& scores, const Tensor& labels, int k) {
  LOOM_RETURN_IF_ERROR(checkClassification(scores, labels));
  if (k < 1) return invalidArgument("k = " + std::to_string(k) + " must be at least 1");
  const std::int64_t n = scores.dim(0), classes = scores.dim(1);
  const float* x = scores.f32();
  const auto* y = labels.data<std::int64_t>();
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = x + i * classes;
    const std::int64_t label = y[i];
    const float target = row[label];
    // The label's rank in a stable descending order: classes that score higher, and tied
    // classes with a lower index (torch.argmax and Keras pick the first maximum).
    std::int64_t ahead = 0;
    for (std::int64_t c = 0; c < classes; ++c) {
      if (std::isnan(row[c]))
        return Status(ErrorCode::NonFinite, "row " + std::to_string(i) +
                                                " of the scores has NaN for class " +
                                                std::to_string(c) + "; accuracy is undefined");
      ahead += (row[c] > target || (row[c] == target && c < label)) ? 1 : 0;
    }
    correct += ahead < k ? 1 : 0;
  }
  return correct;
}

}  // namespace loom
