// SLIC superpixels through OpenCV ximgproc (superpixels.h).
#include "engine/explain/superpixels.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/ximgproc/slic.hpp>

namespace loom {

Expected<SlicAlgorithm> parseSlicAlgorithm(const std::string& text) {
  if (text == "slic") return SlicAlgorithm::Slic;
  if (text == "slico") return SlicAlgorithm::Slico;
  if (text == "mslic") return SlicAlgorithm::Mslic;
  return invalidArgument("superpixel algorithm \"" + text + "\" is not one of: slic, slico, mslic");
}

Expected<Segmentation> slicSuperpixels(const Tensor& image, const SuperpixelOptions& o) {
  if (image.dtype() != DType::U8 || image.rank() != 3 || (image.dim(0) != 1 && image.dim(0) != 3))
    return invalidArgument("superpixels need an 8-bit image [C, H, W] with C = 1 or 3, got " +
                           dimsToString(image.dims()) + " " + dtypeName(image.dtype()));
  if (o.regionSize < 1)
    return invalidArgument("superpixel region size = " + std::to_string(o.regionSize) +
                           " must be at least 1");
  const int c = static_cast<int>(image.dim(0)), h = static_cast<int>(image.dim(1)),
            w = static_cast<int>(image.dim(2));
  cv::Mat mat(h, w, c == 1 ? CV_8UC1 : CV_8UC3);
  const std::uint8_t* src = image.data<std::uint8_t>();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k)
        mat.ptr<std::uint8_t>(y)[x * c + k] = src[(static_cast<std::int64_t>(k) * h + y) * w + x];
  const int algorithm = o.algorithm == SlicAlgorithm::Slic    ? cv::ximgproc::SLIC
                        : o.algorithm == SlicAlgorithm::Slico ? cv::ximgproc::SLICO
                                                              : cv::ximgproc::MSLIC;
  cv::Mat labels;
  try {
    cv::Ptr<cv::ximgproc::SuperpixelSLIC> slic =
        cv::ximgproc::createSuperpixelSLIC(mat, algorithm, o.regionSize, o.ruler);
    slic->iterate(o.iterations);
    if (o.minElementSize > 0) slic->enforceLabelConnectivity(o.minElementSize);
    slic->getLabels(labels);
  } catch (const cv::Exception& e) {
    return invalidArgument(std::string("OpenCV SLIC failed: ") + e.what());
  }
  Segmentation seg;
  seg.height = h;
  seg.width = w;
  seg.labels.resize(static_cast<size_t>(h) * static_cast<size_t>(w));
  std::int32_t maxLabel = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const std::int32_t l = labels.at<std::int32_t>(y, x);
      seg.labels[static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)] = l;
      maxLabel = std::max(maxLabel, l);
    }
  std::vector<bool> used(static_cast<size_t>(maxLabel + 1), false);
  for (std::int32_t l : seg.labels)
    if (l >= 0) used[static_cast<size_t>(l)] = true;
  const bool contiguous =
      std::all_of(seg.labels.begin(), seg.labels.end(), [](std::int32_t l) { return l >= 0; }) &&
      std::all_of(used.begin(), used.end(), [](bool u) { return u; });
  if (contiguous) {
    seg.count = maxLabel + 1;
    return seg;
  }
  std::map<std::int32_t, std::int32_t> renumber;
  for (std::int32_t& l : seg.labels) {
    auto it = renumber.emplace(l, static_cast<std::int32_t>(renumber.size())).first;
    l = it->second;
  }
  seg.count = static_cast<std::int64_t>(renumber.size());
  return seg;
}

Tensor toDisplayImage(const float* x, const Dims& dims, const std::vector<float>& black,
                      const std::vector<float>& white) {
  Tensor out(dims, DType::U8);
  const std::int64_t channels = dims.size() == 3 ? dims[0] : 1;
  const std::int64_t plane = numElements(dims) / channels;
  auto pick = [](const std::vector<float>& v, std::int64_t c, float fallback) {
    return v.empty() ? fallback : v[std::min<size_t>(static_cast<size_t>(c), v.size() - 1)];
  };
  for (std::int64_t c = 0; c < channels; ++c) {
    const float lo = pick(black, c, 0.0f), hi = pick(white, c, 1.0f);
    const float span = hi - lo == 0.0f ? 1.0f : hi - lo;
    for (std::int64_t i = 0; i < plane; ++i) {
      const float v = std::round((x[c * plane + i] - lo) / span * 255.0f);
      out.data<std::uint8_t>()[c * plane + i] =
          static_cast<std::uint8_t>(std::clamp(v, 0.0f, 255.0f));
    }
  }
  return out;
}

Segmentation gridSegmentation(std::int64_t height, std::int64_t width, std::int64_t rows,
                              std::int64_t cols) {
  Segmentation seg;
  seg.height = height;
  seg.width = width;
  seg.count = rows * cols;
  seg.labels.resize(static_cast<size_t>(height * width));
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      seg.labels[static_cast<size_t>(y * width + x)] =
          static_cast<std::int32_t>((y * rows / height) * cols + x * cols / width);
  return seg;
}

}  // namespace loom
