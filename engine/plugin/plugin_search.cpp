#include "engine/plugin/plugin_search.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "engine/plugin/plugin_manifest.h"

#ifndef LOOM_BUILD_DIR
#error "LOOM_BUILD_DIR must name the build directory (engine/plugin/sources.cmake sets it)"
#endif

namespace loom {

namespace {
namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

/// True if `path` is `dir` or lies below it (both made canonical where they exist).
bool isInside(const fs::path& path, const fs::path& dir) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  if (ec) return false;
  const fs::path d = fs::weakly_canonical(dir, ec);
  if (ec) return false;
  auto [dirEnd, pathIt] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  (void)pathIt;
  return dirEnd == d.end();
}

std::string userPluginDir() {
  const std::string xdg = env("XDG_DATA_HOME");
  if (!xdg.empty() && fs::path(xdg).is_absolute())
    return (fs::path(xdg) / "loom" / "plugins").string();
  const std::string home = env("HOME");
  if (home.empty()) return {};
  return (fs::path(home) / ".local" / "share" / "loom" / "plugins").string();
}
}  // namespace

std::string buildTreePluginDir() {
  return (fs::path(LOOM_BUILD_DIR) / "plugins").string();
}

std::string executablePath() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::vector<PluginSearchDir> defaultPluginSearchDirs() {
  std::vector<PluginSearchDir> dirs;
  const std::string list = env("LOOM_PLUGIN_PATH");
  size_t start = 0;
  while (start <= list.size()) {
    const size_t end = std::min(list.find(':', start), list.size());
    std::error_code ec;
    if (end > start)
      dirs.push_back(
          {fs::absolute(list.substr(start, end - start), ec).string(), "LOOM_PLUGIN_PATH"});
    start = end + 1;
  }
  const std::string exe = executablePath();
  if (!exe.empty() && isInside(exe, LOOM_BUILD_DIR))
    dirs.push_back({buildTreePluginDir(), "build tree"});
  if (!exe.empty())
    dirs.push_back(
        {(fs::path(exe).parent_path().parent_path() / "lib" / "loom" / "plugins").string(),
         "install tree"});
  const std::string user = userPluginDir();
  if (!user.empty()) dirs.push_back({user, "user directory"});
  return dirs;
}

std::vector<std::string> pluginFoldersIn(const std::string& dir) {
  std::error_code ec;
  if (fs::is_regular_file(fs::path(dir) / kPluginManifestName, ec)) return {dir};
  std::vector<std::string> folders;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ignored;
    if (it->is_directory(ignored) && fs::is_regular_file(it->path() / kPluginManifestName, ignored))
      folders.push_back(it->path().string());
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

}  // namespace loom
