#include "plugins/image_folder/tests/image_folder_fixtures.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "engine/plugin/plugin_loader.h"
#include "engine/proto/loom.pb.h"

namespace loom::image_folder_test {

namespace fs = std::filesystem;

std::string freshDir(const std::string& name) {
  const fs::path dir =
      fs::path(LOOM_BINARY_DIR) / "plugins" / "image_folder" / "tests" / "work" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string fashionClassFolder(int label) {
  std::string name =
      std::to_string(label) + "_" + fashionMnistClassNames()[static_cast<size_t>(label)];
  for (char& c : name)
    if (c == '/') c = '-';
  return name;
}

namespace {
Status writeSplit(const std::string& root, Split split, int count) {
  LOOM_ASSIGN_OR_RETURN(Dataset data, loadFashionMnist(kFashionMnistDir, split));
  if (count > data.size()) return invalidArgument("Fashion-MNIST has fewer samples than requested");
  const std::int64_t h = data.images.dim(2), w = data.images.dim(3);
  for (int i = 0; i < count; ++i) {
    const int label = static_cast<int>(data.labels.data<std::int64_t>()[i]);
    const fs::path dir = fs::path(root) / splitName(split) / fashionClassFolder(label);
    fs::create_directories(dir);
    char name[32];
    std::snprintf(name, sizeof name, "%05d.png", i);
    // The IDX bytes of sample i, wrapped (not copied) as an 8-bit single-channel image.
    const cv::Mat image(static_cast<int>(h), static_cast<int>(w), CV_8UC1,
                        const_cast<std::uint8_t*>(data.images.data<std::uint8_t>()) + i * h * w);
    if (!cv::imwrite((dir / name).string(), image))
      return ioError("cv::imwrite failed for " + (dir / name).string());
  }
  return Status::ok();
}
}  // namespace

Status writeFashionMnistFolder(const std::string& root, int trainCount, int testCount) {
  LOOM_RETURN_IF_ERROR(writeSplit(root, Split::Train, trainCount));
  return writeSplit(root, Split::Test, testCount);
}

const DatasetKind& imageFolderKind() {
  static OpRegistry ops;
  static DatasetRegistry datasets;
  static PluginManager* manager = [] {
    auto* m = new PluginManager(ops, datasets);
    m->loadFolder(std::string(LOOM_BINARY_DIR) + "/plugins/image_folder", "build tree");
    return m;
  }();
  const PluginRecord& record = manager->plugins().front();
  EXPECT_EQ(record.state, PluginState::Loaded) << record.status.message();
  static DatasetKind missing;
  const DatasetKind* kind = datasets.find("image_folder");
  EXPECT_NE(kind, nullptr) << "the image_folder plugin did not register its kind";
  return kind ? *kind : missing;
}

Expected<Dataset> loadFolder(const std::string& root, Split split,
                             const std::map<std::string, std::string>& options) {
  pb::DatasetConfig config;
  config.set_kind("image_folder");
  config.set_path(root);
  for (const auto& [key, value] : options) (*config.mutable_options())[key] = value;
  const DatasetKind& kind = imageFolderKind();
  if (!kind.load) return internalError("image_folder is not loaded");
  return kind.load(config, split);
}

}  // namespace loom::image_folder_test
