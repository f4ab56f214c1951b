// What an exported file says about its input and output, in ModelProto.metadata_props, so a
// serving system can feed it without reading Loom's code (docs/onnx.md lists the keys). The
// keys are data, in one place: kOnnxMetadataKeys; `loom predict` reads them back.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/graph/model.h"

namespace loom {

/// How a raw image becomes the model's input, as recorded in the file.
struct Preprocessing {
  /// "pixel_mean_std": x = (pixel / 255 - mean) / std per channel; "none": fed as it is.
  std::string normalization = "pixel_mean_std";
  double mean = 0, std = 1;
  std::string layout = "NCHW";                       ///< the input tensor's layout
  std::int64_t channels = 1, height = 0, width = 0;  ///< per-sample input size
  std::string colorOrder = "gray";                   ///< "gray" (1 channel) or "rgb"
};

struct OnnxMetadataKey {
  const char* key;
  const char* meaning;  ///< one line for docs/onnx.md and the model card
};

/// Every key Loom writes, in the order written.
const std::vector<OnnxMetadataKey>& onnxMetadataKeys();

/// The preprocessing a model's data set configuration implies (the training loader's).
/// Unsupported for data sets that are not images normalised by pixel mean and std.
Expected<Preprocessing> preprocessingOf(const Model& model, const Dims& sampleDims);

/// The metadata_props for `model`: preprocessing, class labels, source and structure hash.
std::map<std::string, std::string> onnxMetadata(const Model& model, const Preprocessing& pre,
                                                const std::vector<std::string>& labels);

/// Reads the preprocessing and labels back from metadata_props (missing keys: DataCorrupt
/// naming the key and `source`).
Expected<Preprocessing> preprocessingFromMetadata(const std::map<std::string, std::string>& meta,
                                                  const std::string& source);
std::vector<std::string> labelsFromMetadata(const std::map<std::string, std::string>& meta);

}  // namespace loom
