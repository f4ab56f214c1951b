// `loom info --plugins` end to end: the real `loom` binary finds the build tree's plugins
// by itself, lists what they added, and lists a plugin with the wrong API version as
// refused with both versions named — without letting it stop Loom.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <regex>
#include <string>

#include "engine/plugin/plugin_api.h"

namespace loom {
namespace {

struct LoomRun {
  int rc = -1;
  std::string out;  // stdout and stderr
};

/// Runs `loom ARGS` with `env` prepended; XDG_DATA_HOME points at an empty directory so a
/// developer's own plugins do not change the result.
LoomRun runLoom(const std::string& env, const std::string& args) {
  const std::string cmd = "env XDG_DATA_HOME=/nonexistent/xdg " + env + " " + LOOM_BIN + " " + args + " 2>&1";
  LoomRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return run;
  std::array<char, 4096> buf{};
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) run.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  run.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool contains(const std::string& text, const std::string& regex) {
  return std::regex_search(text, std::regex(regex));
}

TEST(PluginCli, ListsTheBuildTreesImageFolderPlugin) {
  const LoomRun r = runLoom("LOOM_PLUGIN_PATH=", "info --plugins");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(r.out, R"(image_folder [0-9.]+  \[loaded\]  plugin API 1  \(build tree\))")) << r.out;
  EXPECT_TRUE(contains(r.out, "added: dataset kinds: image_folder")) << r.out;
  EXPECT_TRUE(contains(r.out, "library: " + std::string(LOOM_BINARY_DIR) + "/plugins/image_folder/libloom_image_folder.so"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "build tree +" + std::string(LOOM_BINARY_DIR) + "/plugins")) << r.out;
}

TEST(PluginCli, WrongApiVersionIsListedAsRefusedWithBothVersions) {
  const std::string dir = LOOM_TEST_PLUGIN_DIR;
  const LoomRun r = runLoom("LOOM_PLUGIN_PATH=" + dir + "/wrong_manifest_api:" + dir + "/wrong_entry_api", "info --plugins");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(r.out, R"(test_wrong_manifest_api 0\.0\.1  \[refused\]  plugin API 999)")) << r.out;
  EXPECT_TRUE(contains(r.out, "reason: plugin \"test_wrong_manifest_api\" \\(" + dir +
                                  "/wrong_manifest_api\\): its manifest .* declares plugin API version 999, but "
                                  "this Loom supports version 1")) << r.out;
  EXPECT_TRUE(contains(r.out, "reason: plugin \"test_wrong_entry_api\" .*was built for plugin API version 2, but "
                              "this Loom supports version 1")) << r.out;
  EXPECT_TRUE(contains(r.out, R"(image_folder [0-9.]+  \[loaded\])")) << r.out;
  EXPECT_FALSE(contains(r.out, "warning")) << "info --plugins lists refusals instead of warning:\n" << r.out;
}

TEST(PluginCli, ARefusedPluginIsAWarningNotAnError) {
  const std::string dir = LOOM_TEST_PLUGIN_DIR;
  const LoomRun r = runLoom("LOOM_PLUGIN_PATH=" + dir + "/wrong_manifest_api",
                        "info " + std::string(LOOM_SOURCE_DIR) + "/resources/examples/mlp.loom");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "loom: warning: plugin skipped: plugin \"test_wrong_manifest_api\" .*version 999"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "total: [0-9]+ parameters")) << r.out;
}

TEST(PluginCli, InfoWithoutModelOrPluginsIsAUsageError) {
  const LoomRun r = runLoom("", "info");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "needs a model file \\(or --plugins\\)")) << r.out;
}

}  // namespace
}  // namespace loom
