// The parity check after every export (docs/onnx.md): Loom's engine and OpenCV's DNN runtime
// on the same real test images, compared per output.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/graph/model.h"
#include "engine/interop/onnx_metadata.h"

namespace loom {

/// The first `limit` samples of the model's test split with its training preprocessing
/// applied (x = (pixel / 255 - mean) / std), F32 [limit, C, H, W]; `labels` (if given) gets
/// their class indices. InvalidArgument when the split has fewer samples.
Expected<Tensor> preprocessedTestImages(const Model& model, std::int64_t limit,
                                        std::vector<std::int64_t>* labels = nullptr,
                                        std::vector<std::string>* classNames = nullptr);

/// Raw images (U8 or F32 [N, C, H, W] pixel values 0..255) preprocessed as `pre` says.
Tensor applyPreprocessing(const Tensor& pixels, const Preprocessing& pre);

struct ParityResult {
  std::string output;                               ///< the output's value name
  std::int64_t batch = 0;                           ///< batch size both runtimes ran at
  std::int64_t samples = 0;                         ///< images compared
  double maxAbs = 0;                                ///< largest |loom - opencv|
  double maxRel = 0;                                ///< largest |loom - opencv| / max(1, |loom|)
  std::int64_t loomCorrect = 0, opencvCorrect = 0;  ///< top-1 hits, when labels are given
};

/// Called after each batch with the number of images compared so far; returning false stops
/// the check (Cancelled).
using ParityBatchFn = std::function<bool(std::int64_t done)>;

/// Runs `images` through `model` (Loom) and `onnxPath` (OpenCV) in batches of `batch` (the
/// last one may be smaller) and compares. Both runtimes use model.training.threads() threads
/// (0: every core; core/threads.h). Fails with the runtime's error, InvalidArgument
/// when the two outputs' shapes differ, or Cancelled when `onBatch` returns false.
Expected<ParityResult> checkParity(const Model& model, const std::string& onnxPath,
                                   const Tensor& images, const std::vector<std::int64_t>& labels,
                                   std::int64_t batch, const std::string& outputName,
                                   const ParityBatchFn& onBatch = {});

/// Rows [begin, end) of a batch-first tensor (a copy).
Tensor sliceBatch(const Tensor& t, std::int64_t begin, std::int64_t end);

/// Index of the largest value of row `row` of a [N, C] tensor (ties: the lowest index).
std::int64_t argmaxRow(const Tensor& t, std::int64_t row);

}  // namespace loom
