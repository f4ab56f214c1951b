// Overlays and grids (render.h), drawn with OpenCV.
#include "engine/explain/render.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

namespace loom {

namespace {

cv::Mat toMat(const Tensor& rgb) {  // U8 [3, H, W] RGB -> BGR Mat
  const int h = static_cast<int>(rgb.dim(1)), w = static_cast<int>(rgb.dim(2));
  cv::Mat m(h, w, CV_8UC3);
  const std::uint8_t* s = rgb.data<std::uint8_t>();
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        m.ptr<std::uint8_t>(y)[x * 3 + (2 - c)] = s[(static_cast<std::int64_t>(c) * h + y) * w + x];
  return m;
}

Tensor fromMat(const cv::Mat& m) {
  Tensor t(Dims{3, m.rows, m.cols}, DType::U8);
  std::uint8_t* d = t.data<std::uint8_t>();
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x)
      for (int c = 0; c < 3; ++c)
        d[(static_cast<std::int64_t>(c) * m.rows + y) * m.cols + x] =
            m.ptr<std::uint8_t>(y)[x * 3 + (2 - c)];
  return t;
}

double percentileAbs(const std::vector<double>& v, double q) {
  std::vector<double> a(v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = std::fabs(v[i]);
  if (a.empty()) return 0;
  const auto k = static_cast<size_t>(q * static_cast<double>(a.size() - 1));
  std::nth_element(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k), a.end());
  return a[k];
}

}  // namespace

Tensor renderImage(const Tensor& image, int scale) {
  const std::int64_t c = image.dim(0), h = image.dim(1), w = image.dim(2);
  Tensor out(Dims{3, h * scale, w * scale}, DType::U8);
  const std::uint8_t* s = image.data<std::uint8_t>();
  std::uint8_t* d = out.data<std::uint8_t>();
  for (std::int64_t k = 0; k < 3; ++k)
    for (std::int64_t y = 0; y < h * scale; ++y)
      for (std::int64_t x = 0; x < w * scale; ++x)
        d[(k * h * scale + y) * w * scale + x] =
            s[((c == 1 ? 0 : k) * h + y / scale) * w + x / scale];
  return out;
}

bool overlayIsDiverging(const std::vector<double>& saliency) {
  return std::any_of(saliency.begin(), saliency.end(), [](double v) { return v < 0; });
}

double overlayFullScale(const std::vector<double>& saliency) {
  double top = percentileAbs(saliency, 0.99);
  if (top <= 0) top = percentileAbs(saliency, 1.0);
  return top > 0 ? top : 1;
}

OverlayColor overlayColor(double v, bool diverging) {
  v = std::clamp(v, -1.0, 1.0);
  if (diverging) return {v > 0 ? 230.0 : 40.0, 40.0, v > 0 ? 40.0 : 230.0, std::fabs(v)};
  v = std::max(v, 0.0);
  return {255.0, 255 * (1 - v), 0.0, v};  // transparent -> yellow -> red
}

Tensor renderOverlay(const Tensor& image, const std::vector<double>& saliency,
                     const OverlayStyle& style) {
  const std::int64_t h = image.dim(1), w = image.dim(2), sc = style.scale;
  Tensor out = renderImage(image, style.scale);
  const bool diverging = overlayIsDiverging(saliency);
  const double top = overlayFullScale(saliency);
  std::uint8_t* d = out.data<std::uint8_t>();
  const std::int64_t plane = h * sc * w * sc;
  for (std::int64_t y = 0; y < h * sc; ++y)
    for (std::int64_t x = 0; x < w * sc; ++x) {
      const OverlayColor c =
          overlayColor(saliency[static_cast<size_t>((y / sc) * w + x / sc)] / top, diverging);
      const double a = c.alpha * style.opacity;
      const std::int64_t at = y * w * sc + x;
      d[at] = static_cast<std::uint8_t>(std::lround((1 - a) * d[at] + a * c.r));
      d[plane + at] = static_cast<std::uint8_t>(std::lround((1 - a) * d[plane + at] + a * c.g));
      d[2 * plane + at] =
          static_cast<std::uint8_t>(std::lround((1 - a) * d[2 * plane + at] + a * c.b));
    }
  return out;
}

Status writePng(const std::string& path, const Tensor& rgb) {
  try {
    if (!cv::imwrite(path, toMat(rgb))) return ioError("cannot write PNG \"" + path + "\"");
  } catch (const cv::Exception& e) {
    return ioError("cannot write PNG \"" + path + "\": " + e.what());
  }
  return Status::ok();
}

Tensor renderGrid(const std::vector<Tensor>& images,
                  const std::vector<std::vector<Tensor>>& overlays,
                  const std::vector<std::string>& columnTitles,
                  const std::vector<std::string>& rowLabels, const OverlayStyle& style) {
  const int cellH = images.empty() ? 1 : static_cast<int>(images[0].dim(1)) * style.scale;
  const int cellW = images.empty() ? 1 : static_cast<int>(images[0].dim(2)) * style.scale;
  const int cols = static_cast<int>(columnTitles.size()) + 1,
            rows = static_cast<int>(images.size());
  const int pad = 6, header = 22, left = 150;
  cv::Mat grid(header + rows * (cellH + pad) + pad, left + cols * (cellW + pad) + pad, CV_8UC3,
               cv::Scalar(255, 255, 255));
  const auto font = cv::FONT_HERSHEY_SIMPLEX;
  for (int c = 0; c < cols; ++c) {
    std::string title = c == 0 ? "image" : columnTitles[static_cast<size_t>(c - 1)];
    if (title.size() > 18) title = title.substr(0, 17) + ".";
    cv::putText(grid, title, {left + pad + c * (cellW + pad), header - 7}, font, 0.38,
                cv::Scalar(20, 20, 20), 1, cv::LINE_AA);
  }
  for (int r = 0; r < rows; ++r) {
    const int y0 = header + r * (cellH + pad);
    if (r < static_cast<int>(rowLabels.size())) {  // lines split at '\n'
      std::istringstream lines(rowLabels[static_cast<size_t>(r)]);
      std::string line;
      for (int k = 0; std::getline(lines, line); ++k)
        cv::putText(grid, line.size() > 22 ? line.substr(0, 21) + "." : line,
                    {pad, y0 + 14 + 15 * k}, font, 0.38, cv::Scalar(20, 20, 20), 1, cv::LINE_AA);
    }
    for (int c = 0; c < cols; ++c) {
      const Tensor cell = c == 0 ? renderImage(images[static_cast<size_t>(r)], style.scale)
                                 : overlays[static_cast<size_t>(r)][static_cast<size_t>(c - 1)];
      toMat(cell).copyTo(grid(cv::Rect(left + pad + c * (cellW + pad), y0, cellW, cellH)));
    }
  }
  return fromMat(grid);
}

}  // namespace loom
