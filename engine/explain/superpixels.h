// Superpixels: the "features" KernelSHAP and LIME switch on and off. Computed by OpenCV's
// ximgproc SLIC (createSuperpixelSLIC -> iterate -> enforceLabelConnectivity -> getLabels),
// called exactly as documented there, so the labels equal OpenCV's own for the same call
// (tests/engine/explain/explain_superpixels_test.cpp checks against python cv2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// A partition of an H x W image into `count` segments, labels 0 .. count - 1, row-major.
struct Segmentation {
  std::int64_t height = 0, width = 0, count = 0;
  std::vector<std::int32_t> labels;
};

/// OpenCV's SLIC variants (cv::ximgproc::SLIC = 100, SLICO = 101, MSLIC = 102).
enum class SlicAlgorithm { Slic, Slico, Mslic };
Expected<SlicAlgorithm> parseSlicAlgorithm(const std::string& text);  ///< "slic", "slico", "mslic"

struct SuperpixelOptions {
  SlicAlgorithm algorithm = SlicAlgorithm::Slic;
  int regionSize = 7;   ///< average superpixel size in pixels (OpenCV's region_size)
  float ruler = 10.0f;  ///< smoothness (compactness) of SLIC; ignored by SLICO
  int iterations = 10;
  /// enforceLabelConnectivity(min_element_size): segments smaller than this percentage of
  /// regionSize^2 are merged into a neighbour. 0: not called.
  int minElementSize = 25;
};

/// SLIC over an 8-bit image U8 [C, H, W] (C = 1 or 3; 3 is taken as BGR, OpenCV's order).
/// InvalidArgument naming the value for another dtype, rank or channel count, or a
/// regionSize < 1. Labels are OpenCV's when they are contiguous (they are after
/// enforceLabelConnectivity), else renumbered in order of first appearance.
Expected<Segmentation> slicSuperpixels(const Tensor& image, const SuperpixelOptions& options);

/// A model input [C, H, W] (floats in model units) as the 8-bit image SLIC sees: per channel
/// (v - black) / (white - black) * 255, rounded and clamped. `black`/`white` as in
/// BaselineSpec (one value: all channels).
Tensor toDisplayImage(const float* x, const Dims& dims, const std::vector<float>& black,
                      const std::vector<float>& white);

/// A grid of rows x cols rectangles (for tests and as a fallback segmentation).
Segmentation gridSegmentation(std::int64_t height, std::int64_t width, std::int64_t rows,
                              std::int64_t cols);

}  // namespace loom
