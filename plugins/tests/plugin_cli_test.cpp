// `loom info --plugins` end to end: the real `loom` binary finds the build tree's plugins
// by itself, lists what they added, and lists a plugin with the wrong API version as
// refused with both versions named — without letting it stop Loom.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>

#include "engine/plugin/plugin_api.h"
#include "tests/support/run_command.h"

namespace loom {
namespace {

using LoomRun = test::CommandResult;

/// Runs `loom ARGS` with `env` prepended; XDG_DATA_HOME points at an empty directory so a
/// developer's own plugins do not change the result.
LoomRun runLoom(const std::string& env, const std::string& args) {
  return test::runCommand("env XDG_DATA_HOME=/nonexistent/xdg " + env + " " + LOOM_BIN + " " +
                          args + " 2>&1");
}

bool contains(const std::string& text, const std::string& regex) {
  return std::regex_search(text, std::regex(regex));
}

TEST(PluginCli, ListsTheBuildTreesImageFolderPlugin) {
  const LoomRun r = runLoom("LOOM_PLUGIN_PATH=", "info --plugins");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(r.out, R"(image_folder [0-9.]+  \[loaded\]  plugin API 1  \(build tree\))"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "added: dataset kinds: image_folder")) << r.out;
  EXPECT_TRUE(contains(r.out, "library: " + std::string(LOOM_BINARY_DIR) +
                                  "/plugins/image_folder/libloom_image_folder.so"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "build tree +" + std::string(LOOM_BINARY_DIR) + "/plugins")) << r.out;
}

TEST(PluginCli, WrongApiVersionIsListedAsRefusedWithBothVersions) {
  const std::string dir = LOOM_TEST_PLUGIN_DIR;
  const LoomRun r =
      runLoom("LOOM_PLUGIN_PATH=" + dir + "/wrong_manifest_api:" + dir + "/wrong_entry_api",
              "info --plugins");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(r.out, R"(test_wrong_manifest_api 0\.0\.1  \[refused\]  plugin API 999)"))
      << r.out;
  EXPECT_TRUE(contains(
      r.out, "reason: plugin \"test_wrong_manifest_api\" \\(" + dir +
                 "/wrong_manifest_api\\): its manifest .* declares plugin API version 999, but "
                 "this Loom supports version 1"))
      << r.out;
  EXPECT_TRUE(
      contains(r.out,
               "reason: plugin \"test_wrong_entry_api\" .*was built for plugin API version 2, but "
               "this Loom supports version 1"))
      << r.out;
  EXPECT_TRUE(contains(r.out, R"(image_folder [0-9.]+  \[loaded\])")) << r.out;
  EXPECT_FALSE(contains(r.out, "warning")) << "info --plugins lists refusals instead of warning:\n"
                                           << r.out;
}

TEST(PluginCli, ARefusedPluginIsAWarningNotAnError) {
  const std::string dir = LOOM_TEST_PLUGIN_DIR;
  const LoomRun r =
      runLoom("LOOM_PLUGIN_PATH=" + dir + "/wrong_manifest_api",
              "info " + std::string(LOOM_SOURCE_DIR) + "/resources/examples/mlp.loom");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_TRUE(contains(
      r.out, "loom: warning: plugin skipped: plugin \"test_wrong_manifest_api\" .*version 999"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "total: [0-9]+ parameters")) << r.out;
}

namespace fs = std::filesystem;

/// A copy of `from` (a plugin folder) in `to`: manifest and library only.
void copyPlugin(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from))
    if (e.is_regular_file())
      fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
}

TEST(PluginCli, InstallTreeAndUserDirectoryAreSearched) {
  // An installed layout: <prefix>/bin/loom and <prefix>/lib/loom/plugins/<name>/. The copied
  // binary lies outside the build tree, so only the install tree and the user directory apply.
  const fs::path prefix =
      fs::temp_directory_path() / ("loom-install-test-" + std::to_string(::getpid()));
  fs::remove_all(prefix);
  fs::create_directories(prefix / "bin");
  fs::copy_file(LOOM_BIN, prefix / "bin" / "loom");
  copyPlugin(fs::path(LOOM_BINARY_DIR) / "plugins" / "image_folder",
             prefix / "lib" / "loom" / "plugins" / "image_folder");
  const fs::path xdg = prefix / "xdg";
  copyPlugin(fs::path(LOOM_TEST_PLUGIN_DIR) / "good_op", xdg / "loom" / "plugins" / "good_op");
  const std::string cmd = "env LOOM_PLUGIN_PATH= XDG_DATA_HOME=" + xdg.string() + " " +
                          (prefix / "bin" / "loom").string() + " info --plugins 2>&1";
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 4096> buf{};
  for (size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) out.append(buf.data(), n);
  ASSERT_EQ(::pclose(pipe), 0) << out;
  EXPECT_TRUE(contains(out, R"(image_folder [0-9.]+  \[loaded\]  plugin API 1  \(install tree\))"))
      << out;
  EXPECT_TRUE(
      contains(out, "library: " + (prefix / "lib" / "loom" / "plugins" / "image_folder").string()))
      << out;
  EXPECT_TRUE(
      contains(out, R"(test_good_op 0\.0\.1  \[loaded\]  plugin API 1  \(user directory\))"))
      << out;
  EXPECT_TRUE(contains(out, "added: ops: TestDouble")) << out;
  EXPECT_FALSE(contains(out, "build tree")) << out;
  fs::remove_all(prefix);
}

TEST(PluginCli, InfoWithoutModelOrPluginsIsAUsageError) {
  const LoomRun r = runLoom("", "info");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "needs a model file \\(or --plugins\\)")) << r.out;
}

}  // namespace
}  // namespace loom
