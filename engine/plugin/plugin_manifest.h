// A plugin's manifest: the JSON file `loom-plugin.json` in the plugin's folder, read before
// the plugin's library is opened. Format (docs/plugins.md):
//
//   {
//     "name": "image_folder",                 // [a-z0-9_]+, unique among plugins
//     "version": "1.0.0",                     // the plugin's own version, free text
//     "description": "Image folders ...",     // one line
//     "plugin_api_version": 1,                // must equal kPluginApiVersion (plugin_api.h)
//     "library": "libloom_image_folder.so",   // relative to the manifest's folder
//     "provides": { "ops": [], "dataset_kinds": ["image_folder"], "explainers": [] }
//   }
//
// "provides" is checked against what the entry point actually registers, so a listing of a
// plugin that was refused before loading still says truthfully what it would add. Keys the
// loader does not know at the top level are ignored (room for later versions, such as
// "studio_library"); unknown keys inside "provides" are refused.
#pragma once

#include <string>
#include <vector>

#include "engine/core/status.h"

namespace loom {

/// The manifest's file name inside a plugin folder.
inline constexpr const char* kPluginManifestName = "loom-plugin.json";

/// What a plugin adds, by name and in registration order.
struct PluginProvides {
  std::vector<std::string> ops;
  std::vector<std::string> datasetKinds;
  std::vector<std::string> explainers;  ///< "provides.explainers" (optional)

  bool empty() const { return ops.empty() && datasetKinds.empty() && explainers.empty(); }
};

struct PluginManifest {
  std::string path;  ///< the manifest file
  std::string name;
  std::string version;
  std::string description;
  int apiVersion = 0;       ///< "plugin_api_version"
  std::string libraryPath;  ///< "library", resolved against the manifest's folder
  PluginProvides provides;
};

/// Parses `json` (the contents of the manifest at `path`). ParseError names the path and the
/// key that is missing or has the wrong type. Does not check the API version: the loader
/// does, so that it can report the plugin's name and version with the refusal.
Expected<PluginManifest> parsePluginManifest(const std::string& json, const std::string& path);

/// Reads and parses the manifest file at `path`; NotFound or IoError name the path.
Expected<PluginManifest> readPluginManifest(const std::string& path);

}  // namespace loom
