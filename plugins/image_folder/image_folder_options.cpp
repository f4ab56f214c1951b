#include "plugins/image_folder/image_folder_options.h"

#include <charconv>
#include <cstdlib>
#include <filesystem>

namespace loom::image_folder {

namespace {
const std::vector<std::pair<std::string, Interpolation>>& interpolationNames() {
  static const std::vector<std::pair<std::string, Interpolation>> names = {
      {"area", Interpolation::Area},
      {"linear", Interpolation::Linear},
      {"nearest", Interpolation::Nearest},
      {"cubic", Interpolation::Cubic}};
  return names;
}

std::string interpolationName(Interpolation i) {
  for (const auto& [name, value] : interpolationNames())
    if (value == i) return name;
  return "?";
}

Status badValue(const std::string& key, const std::string& value, const std::string& allowed) {
  return invalidArgument("dataset option \"" + key + "\" = \"" + value + "\": " + allowed);
}

bool parsePositive(const std::string& text, int& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && out > 0 && out <= 16384;
}

Status parseSize(const std::string& value, ImageFolderOptions& o) {
  const std::string allowed =
      "expected WIDTHxHEIGHT in pixels (e.g. 28x28) or one number for a square";
  const size_t x = value.find('x');
  if (x == std::string::npos) {
    if (!parsePositive(value, o.width)) return badValue("image_size", value, allowed);
    o.height = o.width;
    return Status::ok();
  }
  if (!parsePositive(value.substr(0, x), o.width) || !parsePositive(value.substr(x + 1), o.height))
    return badValue("image_size", value, allowed);
  return Status::ok();
}

Status parseOne(const std::string& key, const std::string& value, ImageFolderOptions& o) {
  if (key == "image_size") return parseSize(value, o);
  if (key == "channels") {
    if (value != "1" && value != "3")
      return badValue(key, value, "expected 1 (grayscale) or 3 (RGB)");
    o.channels = value == "1" ? 1 : 3;
    return Status::ok();
  }
  if (key == "interpolation") {
    for (const auto& [name, i] : interpolationNames())
      if (value == name) {
        o.interpolation = i;
        return Status::ok();
      }
    return badValue(key, value, "expected area, linear, nearest or cubic");
  }
  if (key == "cache") {
    if (value != "on" && value != "off") return badValue(key, value, "expected on or off");
    o.cache = value == "on";
    return Status::ok();
  }
  if (key == "cache_dir") {
    if (value.empty() || !std::filesystem::path(value).is_absolute())
      return badValue(key, value, "expected an absolute directory path");
    o.cacheDir = value;
    return Status::ok();
  }
  std::string known;
  for (const auto& spec : imageFolderOptionSpecs())
    known += (known.empty() ? "" : ", ") + spec.name;
  return invalidArgument("dataset option \"" + key +
                         "\" is not an image_folder option (known: " + known + ")");
}
}  // namespace

const std::vector<OptionSpec>& imageFolderOptionSpecs() {
  static const std::vector<OptionSpec> specs = {
      {"image_size", "",
       "WIDTHxHEIGHT every image is resized to (e.g. 28x28); unset: keep the files' size"},
      {"channels", "3", "1 = grayscale, 3 = RGB"},
      {"interpolation", "area", "resize filter: area, linear, nearest or cubic (OpenCV's INTER_*)"},
      {"cache", "on", "on: keep decoded tensors in the cache directory; off: decode every time"},
      {"cache_dir", "", "absolute cache directory; unset: $XDG_CACHE_HOME/loom/image_folder"},
  };
  return specs;
}

Expected<ImageFolderOptions> parseImageFolderOptions(
    const std::map<std::string, std::string>& options) {
  ImageFolderOptions o;
  for (const auto& spec : imageFolderOptionSpecs())
    if (!spec.defaultValue.empty()) LOOM_RETURN_IF_ERROR(parseOne(spec.name, spec.defaultValue, o));
  for (const auto& [key, value] : options) LOOM_RETURN_IF_ERROR(parseOne(key, value, o));
  return o;
}

std::string cacheDirectory(const ImageFolderOptions& options) {
  namespace fs = std::filesystem;
  if (!options.cacheDir.empty()) return options.cacheDir;
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg && fs::path(xdg).is_absolute())
    return (fs::path(xdg) / "loom" / "image_folder").string();
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return (fs::path(home) / ".cache" / "loom" / "image_folder").string();
}

std::string pixelOptionsKey(const ImageFolderOptions& options) {
  return std::to_string(options.width) + "x" + std::to_string(options.height) + " c" +
         std::to_string(options.channels) + " " + interpolationName(options.interpolation);
}

}  // namespace loom::image_folder
