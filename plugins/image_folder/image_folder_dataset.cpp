#include "plugins/image_folder/image_folder_dataset.h"

#include <cstring>
#include <exception>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/proto/loom.pb.h"
#include "plugins/image_folder/image_cache.h"
#include "plugins/image_folder/image_folder_options.h"
#include "plugins/image_folder/image_folder_scan.h"

namespace loom::image_folder {

namespace {
std::string inQuotes(const std::string& s) {
  return "\"" + s + "\"";
}

int cvInterpolation(Interpolation i) {
  switch (i) {
    case Interpolation::Area:
      return cv::INTER_AREA;
    case Interpolation::Linear:
      return cv::INTER_LINEAR;
    case Interpolation::Nearest:
      return cv::INTER_NEAREST;
    case Interpolation::Cubic:
      return cv::INTER_CUBIC;
  }
  return cv::INTER_AREA;
}

/// One image as 8-bit HWC with options.channels channels (RGB order for 3), not yet resized.
Expected<cv::Mat> decode(const ImageFile& file, const ImageFolderOptions& options) {
  cv::Mat image;
  try {
    image = cv::imread(file.path, options.channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    if (!image.empty() && options.channels == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  } catch (const cv::Exception& e) {
    return dataCorrupt("cannot decode image " + inQuotes(file.path) + ": " + e.what());
  }
  if (image.empty())
    return dataCorrupt("cannot decode image " + inQuotes(file.path) +
                       ": not a PNG, JPEG or BMP file that OpenCV can read (damaged or misnamed?)");
  return image;
}

/// Brings `image` to the target size: the option's, or else the first image's.
Expected<cv::Mat> fitSize(cv::Mat image, const ImageFile& file, const ImageFolderOptions& options,
                          const cv::Size& target, const std::string& firstPath) {
  if (image.size() == target) return image;
  if (options.width == 0)
    return dataCorrupt("image " + inQuotes(file.path) + " is " + std::to_string(image.cols) + "x" +
                       std::to_string(image.rows) + " but " + inQuotes(firstPath) + " is " +
                       std::to_string(target.width) + "x" + std::to_string(target.height) +
                       "; set the dataset option image_size (e.g. image_size: \"" +
                       std::to_string(target.width) + "x" + std::to_string(target.height) +
                       "\") to resize every image");
  cv::Mat resized;
  try {
    cv::resize(image, resized, target, 0, 0, cvInterpolation(options.interpolation));
  } catch (const cv::Exception& e) {
    return dataCorrupt("cannot resize image " + inQuotes(file.path) + ": " + e.what());
  }
  return resized;
}

/// Copies an HWC image into sample `n` of the CHW tensor.
void store(const cv::Mat& image, Tensor& images, std::int64_t n) {
  const std::int64_t c = images.dim(1), h = images.dim(2), w = images.dim(3);
  std::uint8_t* dst = images.data<std::uint8_t>() + n * c * h * w;
  for (std::int64_t y = 0; y < h; ++y) {
    const std::uint8_t* row = image.ptr<std::uint8_t>(static_cast<int>(y));
    for (std::int64_t x = 0; x < w; ++x)
      for (std::int64_t ch = 0; ch < c; ++ch) dst[(ch * h + y) * w + x] = row[x * c + ch];
  }
}

Expected<Tensor> decodeAll(const FolderListing& listing, const ImageFolderOptions& options) {
  const auto n = static_cast<std::int64_t>(listing.files.size());
  LOOM_ASSIGN_OR_RETURN(cv::Mat first, decode(listing.files[0], options));
  const cv::Size target =
      options.width > 0 ? cv::Size(options.width, options.height) : first.size();
  Tensor images(Dims{n, options.channels, target.height, target.width}, DType::U8);
  for (std::int64_t i = 0; i < n; ++i) {
    const ImageFile& file = listing.files[static_cast<size_t>(i)];
    cv::Mat image;
    if (i == 0) {
      image = first;
    } else {
      LOOM_ASSIGN_OR_RETURN(image, decode(file, options));
    }
    LOOM_ASSIGN_OR_RETURN(image, fitSize(image, file, options, target, listing.files[0].path));
    store(image, images, i);
  }
  return images;
}

Expected<Dataset> load(const pb::DatasetConfig& config, Split split) {
  const std::map<std::string, std::string> raw(config.options().begin(), config.options().end());
  LOOM_ASSIGN_OR_RETURN(ImageFolderOptions options, parseImageFolderOptions(raw));
  LOOM_ASSIGN_OR_RETURN(FolderListing listing, listImageFolder(config.path(), split));
  Dataset dataset;
  dataset.classNames = listing.classNames;
  dataset.source = listing.splitDir;
  dataset.labels = Tensor(Dims{static_cast<std::int64_t>(listing.files.size())}, DType::I64);
  for (size_t i = 0; i < listing.files.size(); ++i)
    dataset.labels.data<std::int64_t>()[i] = listing.files[i].label;

  const std::string dir = options.cache ? cacheDirectory(options) : std::string();
  const std::string key = dir.empty() ? std::string() : cacheKeyText(listing, options);
  const std::string path = dir.empty() ? std::string() : cacheFilePath(dir, listing, options, key);
  if (auto cached = dir.empty() ? std::nullopt : readCachedImages(path, key)) {
    dataset.images = std::move(*cached);
  } else {
    LOOM_ASSIGN_OR_RETURN(dataset.images, decodeAll(listing, options));
    // The cache only saves time: a read-only or full disk must not stop training.
    if (!dir.empty()) (void)writeCachedImages(path, key, dataset.images);
  }
  LOOM_RETURN_IF_ERROR(validateDataset(dataset));
  return dataset;
}
}  // namespace

Expected<Dataset> loadImageFolder(const pb::DatasetConfig& config, Split split) {
  // Called by the engine across the plugin boundary: nothing may escape as an exception.
  try {
    return load(config, split);
  } catch (const std::exception& e) {
    return internalError("image_folder: loading " + inQuotes(config.path()) +
                         " failed: " + e.what());
  }
}

}  // namespace loom::image_folder
