// Sprite PNGs through OpenCV: a row-major square grid of thumbnails, TensorBoard's layout.
#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/embed/projector_detail.h"

namespace loom::embed::detail {

Expected<std::string> encodeSprite(const Tensor& images, int& cellWidth, int& cellHeight) {
  if (images.rank() != 4 || (images.dim(1) != 1 && images.dim(1) != 3))
    return invalidArgument("sprite images must be [points, 1 or 3, height, width], got " +
                           dimsToString(images.dims()));
  if (images.dtype() != DType::U8 && images.dtype() != DType::F32)
    return invalidArgument(std::string("sprite images must be U8 or F32, got ") +
                           dtypeName(images.dtype()));
  const std::int64_t n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
  if (n < 1 || h < 1 || w < 1) return invalidArgument("sprite images are empty");
  const auto perRow = static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const double scale = std::min(
      1.0, static_cast<double>(kMaxSpriteSide) / static_cast<double>(perRow * std::max(h, w)));
  cellWidth = std::max(1, static_cast<int>(std::floor(static_cast<double>(w) * scale)));
  cellHeight = std::max(1, static_cast<int>(std::floor(static_cast<double>(h) * scale)));
  if (perRow * std::max(cellWidth, cellHeight) > kMaxSpriteSide)
    return invalidArgument("too many points for one sprite: " + std::to_string(n) +
                           " thumbnails do not fit in " + std::to_string(kMaxSpriteSide) + " px");
  const std::int64_t rows = (n + perRow - 1) / perRow;
  cv::Mat sheet(static_cast<int>(rows * cellHeight), static_cast<int>(perRow * cellWidth), CV_8UC3,
                cv::Scalar(255, 255, 255));
  const std::int64_t plane = h * w;
  cv::Mat cell(static_cast<int>(h), static_cast<int>(w), CV_8UC3);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t y = 0; y < h; ++y)
      for (std::int64_t x = 0; x < w; ++x)
        for (int ch = 0; ch < 3; ++ch) {
          const std::int64_t src = ((i * c + (c == 3 ? 2 - ch : 0)) * plane) + y * w + x;  // BGR
          const float v = images.dtype() == DType::U8
                              ? static_cast<float>(images.data<std::uint8_t>()[src])
                              : images.f32()[src] * 255.0f;
          cell.at<cv::Vec3b>(static_cast<int>(y), static_cast<int>(x))[ch] =
              static_cast<unsigned char>(std::clamp(std::lround(v), 0L, 255L));
        }
    const cv::Rect at(static_cast<int>((i % perRow) * cellWidth),
                      static_cast<int>((i / perRow) * cellHeight), cellWidth, cellHeight);
    if (cellWidth == w && cellHeight == h)
      cell.copyTo(sheet(at));
    else
      cv::resize(cell, sheet(at), cv::Size(cellWidth, cellHeight), 0, 0, cv::INTER_AREA);
  }
  std::vector<unsigned char> png;
  if (!cv::imencode(".png", sheet, png)) return internalError("OpenCV could not encode the sprite");
  return std::string(png.begin(), png.end());
}

}  // namespace loom::embed::detail
