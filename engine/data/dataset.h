// Dataset: samples and labels held in memory, plus the Fashion-MNIST loader.
//
// A Dataset is a pair of tensors that share their first dimension N. It is cheap to copy
// (tensors share storage) and immutable once loaded: loaders (data/batch_loader.h) only
// read it, so one Dataset can feed a training and a validation loader at the same time.
#pragma once

#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

struct Dataset {
  /// Samples: U8 [N, C, H, W] images (pixel values 0..255, normalised by the loader) or
  /// F32 [N, C, H, W] images or F32 [N, F] feature rows. Plain layout.
  Tensor images;
  /// Class index per sample, I64 [N], values in [0, classNames.size()).
  Tensor labels;
  /// Human-readable name of each class; its size is the number of classes.
  std::vector<std::string> classNames;
  /// Where the data came from (directory or file), for run metadata and messages.
  std::string source;

  std::int64_t size() const { return labels.empty() ? 0 : labels.dim(0); }
  /// Elements of one sample (C*H*W or F).
  std::int64_t sampleElements() const;
};

/// Checks that the tensors agree (dims, dtypes, label range); messages name `source`.
Status validateDataset(const Dataset& dataset);

enum class Split { Train, Test };
const char* splitName(Split split);

/// Debian's dataset-fashion-mnist install location.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// The ten Fashion-MNIST class names, index = label ("T-shirt/top", "Trouser", ...).
const std::vector<std::string>& fashionMnistClassNames();

/// Loads Fashion-MNIST from `dir` (empty: kFashionMnistDir): the files
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz (or without .gz). Images are U8
/// [N, 1, 28, 28], labels I64 [N].
///
/// NotFound when the directory or a file is missing; the message names the path and says how
/// to install the Debian package. DataCorrupt when a file is malformed or the image and
/// label counts differ.
Expected<Dataset> loadFashionMnist(const std::string& dir, Split split);

}  // namespace loom
