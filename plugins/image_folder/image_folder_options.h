// The image_folder kind's options: `dataset.options` of a model file, parsed and checked.
//
// Every option is described once, in imageFolderOptionSpecs(); the parser, its error
// messages and docs/plugins.md's table all follow that list.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/core/status.h"

namespace loom::image_folder {

enum class Interpolation { Area, Linear, Nearest, Cubic };

/// Parsed options. The defaults are those of imageFolderOptionSpecs(), applied by the parser.
struct ImageFolderOptions {
  /// Size every image is resized to, in pixels; 0 x 0 = keep the size of the files, which
  /// must then all agree.
  int width = 0;
  int height = 0;
  int channels = 0;  ///< 1 = grayscale, 3 = RGB (in that channel order)
  Interpolation interpolation = Interpolation::Area;
  bool cache = false;    ///< keep decoded tensors in `cacheDir`
  std::string cacheDir;  ///< empty: $XDG_CACHE_HOME/loom/image_folder (~/.cache/...)
};

struct OptionSpec {
  std::string name;
  std::string defaultValue;  ///< as text; "" = none
  std::string doc;           ///< one line, for messages and docs
};

/// The options image_folder understands, in documentation order.
const std::vector<OptionSpec>& imageFolderOptionSpecs();

/// Parses `options` (the model file's dataset.options). InvalidArgument names the option,
/// its value and what is allowed; an unknown key lists the known ones.
Expected<ImageFolderOptions> parseImageFolderOptions(
    const std::map<std::string, std::string>& options);

/// The cache directory the options select (resolving the default from the environment).
std::string cacheDirectory(const ImageFolderOptions& options);

/// A canonical one-line description of the options that change decoded pixels, for the
/// cache key: "64x48 c3 area".
std::string pixelOptionsKey(const ImageFolderOptions& options);

}  // namespace loom::image_folder
