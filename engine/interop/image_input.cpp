#include "engine/interop/image_input.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/core/file_util.h"

namespace loom {

Expected<Tensor> loadImagePixels(const std::string& path, std::int64_t channels,
                                 std::int64_t height, std::int64_t width) {
  if (channels != 1 && channels != 3)
    return unsupported(path + ": the model takes " + std::to_string(channels) +
                       " channels; images can feed 1 (gray) or 3 (RGB)");
  LOOM_ASSIGN_OR_RETURN(std::string bytes, readFile(path));
  cv::Mat img;
  try {
    const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8U, bytes.data());
    img = cv::imdecode(buf, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (img.empty()) return dataCorrupt(path + ": not an image OpenCV can decode (PNG, JPEG)");
    if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    if (img.rows != height || img.cols != width)
      cv::resize(img, img, cv::Size(static_cast<int>(width), static_cast<int>(height)), 0, 0,
                 cv::INTER_AREA);
  } catch (const cv::Exception& e) {
    return dataCorrupt(path + ": OpenCV could not decode it: " + e.what());
  }
  Tensor t({1, channels, height, width}, DType::U8);
  std::uint8_t* dst = t.data<std::uint8_t>();
  for (std::int64_t y = 0; y < height; ++y)
    for (std::int64_t x = 0; x < width; ++x)
      for (std::int64_t c = 0; c < channels; ++c)
        dst[(c * height + y) * width + x] =
            img.ptr<std::uint8_t>(static_cast<int>(y))[x * channels + c];
  return t;
}

}  // namespace loom
