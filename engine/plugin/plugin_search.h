// Where Loom looks for plugins, in precedence order (the first plugin of a name wins).
//
//  1. $LOOM_PLUGIN_PATH — colon-separated directories, for development and overrides.
//  2. The build tree — <build>/plugins, only when the running executable lies inside the
//     build directory this engine was built in (so build/release/app/cli/loom finds
//     build/release/plugins/... without installing).
//  3. The install tree — <dir of the executable>/../lib/loom/plugins.
//  4. The user directory — $XDG_DATA_HOME/loom/plugins, default ~/.local/share/loom/plugins.
//
// The plugins shipped with a Loom come before the user directory because they were built
// against exactly this Loom; a user who wants to replace one uses LOOM_PLUGIN_PATH.
//
// Each directory either is a plugin folder (it holds loom-plugin.json) or holds plugin
// folders, one level deep, visited in name order. Missing directories are skipped.
#pragma once

#include <string>
#include <vector>

namespace loom {

struct PluginSearchDir {
  std::string path;
  /// Which rule above produced it: "LOOM_PLUGIN_PATH", "build tree", "install tree",
  /// "user directory". Shown by `loom info --plugins`.
  std::string origin;
};

/// The four rules above, evaluated now (environment and executable location).
std::vector<PluginSearchDir> defaultPluginSearchDirs();

/// The build tree's plugin directory (<build>/plugins), compiled into the engine.
std::string buildTreePluginDir();

/// The running executable's absolute path (/proc/self/exe); empty if unknown.
std::string executablePath();

/// The plugin folders under `dir` (see above), sorted by path; empty if `dir` is missing.
std::vector<std::string> pluginFoldersIn(const std::string& dir);

}  // namespace loom
