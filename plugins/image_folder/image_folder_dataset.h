// The "image_folder" dataset kind: a folder of PNG, JPEG or BMP images, one sub-folder per
// class, decoded through OpenCV into U8 [N, C, H, W] (engine/data/dataset.h).
//
// Layout and order: image_folder_scan.h. Options: image_folder_options.h (model file:
// dataset { kind: "image_folder" path: "..." options { key: "image_size" value: "28x28" } }).
// Cache: image_cache.h. Manual: docs/plugins.md.
#pragma once

#include "engine/core/status.h"
#include "engine/data/dataset.h"

namespace loom {
namespace pb {
class DatasetConfig;
}

namespace image_folder {

/// Loads `split` of the image folder `config.path()` with `config.options()`.
/// Errors name the folder, file or option: NotFound (a missing folder), InvalidArgument (a
/// bad option), DataCorrupt (a class in one split only, a class without images, images of
/// different sizes without image_size, a file OpenCV cannot decode). Never throws.
Expected<Dataset> loadImageFolder(const pb::DatasetConfig& config, Split split);

}  // namespace image_folder
}  // namespace loom
