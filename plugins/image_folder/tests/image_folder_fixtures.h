// Helpers for the image_folder tests: scratch folders, Fashion-MNIST written as PNG files
// through OpenCV, and the plugin loaded from the build tree through the real loader.
#pragma once

#include <map>
#include <string>

#include "engine/core/status.h"
#include "engine/data/dataset.h"
#include "engine/data/dataset_registry.h"

namespace loom::image_folder_test {

/// An empty directory <build>/plugins/image_folder/tests/work/<name> (removed first).
std::string freshDir(const std::string& name);

/// The class folder name for Fashion-MNIST label `label`: "<label>_<name>", '/' -> '-', so
/// that the sorted folder names give the IDX label order ("0_T-shirt-top" ... "9_Ankle boot").
std::string fashionClassFolder(int label);

/// Writes the first `trainCount` training and `testCount` test images of Fashion-MNIST
/// (from the Debian package; NotFound when it is missing) as
/// <root>/<split>/<class folder>/<index, 5 digits>.png through cv::imwrite, so that the
/// file-name order is the IDX order.
Status writeFashionMnistFolder(const std::string& root, int trainCount, int testCount);

/// The image_folder kind, loaded by a PluginManager from <build>/plugins/image_folder into a
/// registry of its own (fails the test when the plugin does not load).
const DatasetKind& imageFolderKind();

/// Loads `split` of the image folder at `root` with `options` through the plugin.
Expected<Dataset> loadFolder(const std::string& root, Split split,
                             const std::map<std::string, std::string>& options);

}  // namespace loom::image_folder_test
