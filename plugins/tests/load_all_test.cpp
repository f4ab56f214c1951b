// Every plugin this build makes loads: the build tree's plugin directory is enumerated, and
// each plugin found must load and add something; each plugin CMake builds must be found.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "engine/plugin/plugin_loader.h"

namespace loom {
namespace {

std::vector<std::string> builtPlugins() {
  std::vector<std::string> names;
  std::stringstream list(LOOM_BUILT_PLUGINS);
  for (std::string name; std::getline(list, name, ';');)
    if (!name.empty()) names.push_back(name);
  return names;
}

TEST(LoadAllPlugins, EveryBuiltPluginLoadsAndAddsSomething) {
  OpRegistry ops;
  registerBuiltinOps(ops);
  DatasetRegistry datasets;
  registerBuiltinDatasets(datasets);
  PluginManager manager(ops, datasets);
  const std::string dir = std::string(LOOM_BINARY_DIR) + "/plugins";
  manager.loadFrom({{dir, "build tree"}});
  ASSERT_FALSE(manager.plugins().empty()) << "no plugin found in " << dir;
  std::vector<std::string> found;
  for (const auto& r : manager.plugins()) {
    SCOPED_TRACE(r.folder);
    EXPECT_EQ(r.state, PluginState::Loaded) << r.status.message();
    EXPECT_FALSE(r.added.empty()) << r.manifest.name << " added nothing";
    found.push_back(r.manifest.name);
  }
  std::vector<std::string> expected = builtPlugins();
  ASSERT_FALSE(expected.empty());
  std::sort(expected.begin(), expected.end());
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, expected) << "the plugins found in " << dir
                             << " differ from those plugins/CMakeLists.txt builds";
}

}  // namespace
}  // namespace loom
