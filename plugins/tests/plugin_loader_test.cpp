// The plugin loader against real plugins, one per way a plugin can be right or wrong
// (test_plugins/): each must be loaded or refused with a message that names it, and a
// refused plugin must leave the registries as they were.
#include "engine/plugin/plugin_loader.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/plugin/plugin_api.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  OpRegistry ops;
  DatasetRegistry datasets;
  PluginManager manager{ops, datasets};
  Fixture() {
    registerBuiltinOps(ops);
    registerBuiltinDatasets(datasets);
    manager.loadFrom({{LOOM_TEST_PLUGIN_DIR, "test"}});
  }
  const PluginRecord& record(const std::string& folder) const {
    for (const auto& r : manager.plugins())
      if (fs::path(r.folder).filename() == folder) return r;
    ADD_FAILURE() << "no plugin folder " << folder << " was found in " << LOOM_TEST_PLUGIN_DIR;
    static PluginRecord none;
    return none;
  }
};

std::string folderOf(const std::string& name) {
  return std::string(LOOM_TEST_PLUGIN_DIR) + "/" + name;
}

TEST(PluginLoader, FindsEveryTestPluginFolderInNameOrder) {
  Fixture f;
  std::vector<std::string> folders;
  for (const auto& r : f.manager.plugins())
    folders.push_back(fs::path(r.folder).filename().string());
  EXPECT_EQ(folders, (std::vector<std::string>{"bad_json", "duplicate_kind", "fails", "good_op",
                                               "no_entry", "shadow", "throws", "undeclared",
                                               "wrong_entry_api", "wrong_manifest_api"}));
}

TEST(PluginLoader, GoodPluginRegistersAnOpThatRuns) {
  Fixture f;
  const PluginRecord& r = f.record("good_op");
  ASSERT_EQ(r.state, PluginState::Loaded) << r.status.message();
  EXPECT_EQ(r.manifest.name, "test_good_op");
  EXPECT_EQ(r.manifest.version, "0.0.1");
  EXPECT_EQ(r.added.ops, std::vector<std::string>{"TestDouble"});
  EXPECT_EQ(f.manager.opOrigin("TestDouble"), "plugin \"test_good_op\"");
  EXPECT_EQ(f.manager.opOrigin("ReLU"), "builtin");
  const Op* op = f.ops.find("TestDouble");
  ASSERT_NE(op, nullptr);
  Tensor src(Dims{1, 3}), dst(Dims{1, 3});
  const float values[] = {1.5f, -2.0f, 0.25f};
  for (int i = 0; i < 3; ++i) src.data<float>()[i] = values[i];
  Attrs attrs(&op->schema(), {});
  KernelArgs args;
  args.attrs = &attrs;
  args.src = {&src};
  args.dst = &dst;
  ASSERT_TRUE(op->forward(args).isOk());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dst.data<float>()[i], 2.0f * values[i]);
}

TEST(PluginLoader, WrongManifestApiVersionIsRefusedBeforeTheLibraryIsOpened) {
  Fixture f;
  const PluginRecord& r = f.record("wrong_manifest_api");
  EXPECT_EQ(r.state, PluginState::Refused);
  const std::string& m = r.status.message();
  EXPECT_NE(m.find("\"test_wrong_manifest_api\""), std::string::npos) << m;
  EXPECT_NE(m.find(folderOf("wrong_manifest_api")), std::string::npos) << m;
  EXPECT_NE(m.find("plugin API version 999"), std::string::npos) << m;
  EXPECT_NE(m.find("supports version " + std::to_string(kPluginApiVersion)), std::string::npos)
      << m;
  EXPECT_EQ(f.datasets.find("never_registered"), nullptr);
  // RTLD_NOLOAD: succeeds only if the library is already in the process.
  void* handle = ::dlopen(r.manifest.libraryPath.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(handle, nullptr) << r.manifest.libraryPath << " was opened";
  ASSERT_TRUE(fs::exists(r.manifest.libraryPath)) << "the test plugin's library was not built";
}

TEST(PluginLoader, WrongEntryPointApiVersionIsRefusedAndLeavesNothing) {
  Fixture f;
  const PluginRecord& r = f.record("wrong_entry_api");
  EXPECT_EQ(r.state, PluginState::Refused);
  const std::string& m = r.status.message();
  EXPECT_NE(m.find("\"test_wrong_entry_api\""), std::string::npos) << m;
  EXPECT_NE(m.find("libloom_test_wrong_entry_api.so"), std::string::npos) << m;
  EXPECT_NE(m.find("built for plugin API version 2"), std::string::npos) << m;
  EXPECT_NE(m.find("supports version " + std::to_string(kPluginApiVersion)), std::string::npos)
      << m;
  EXPECT_EQ(f.datasets.find("leaked_kind"), nullptr);
  EXPECT_TRUE(r.added.empty());
}

TEST(PluginLoader, ExceptionFailureAndMismatchesAreRefusedWithTheirReason) {
  Fixture f;
  struct Case {
    const char* folder;
    const char* says;
    const char* kind;  // what the plugin tried to add; must not be registered
  };
  const Case cases[] = {
      {"throws", "threw an exception while registering: the test plugin throws on purpose",
       "thrower_kind"},
      {"fails", "registration failed: test plugin: no licence file found at /etc/test-plugin.key",
       "failing_kind"},
      {"undeclared",
       "dataset kinds [undeclared_kind], but its manifest declares ops [] and dataset kinds []",
       "undeclared_kind"},
      {"duplicate_kind",
       "dataset kind \"csv\" from plugin \"test_duplicate_kind\" is already registered by builtin",
       nullptr},
      {"no_entry", "does not export loom_plugin_register", nullptr},
      {"bad_json", "not valid JSON", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.folder);
    const PluginRecord& r = f.record(c.folder);
    EXPECT_EQ(r.state, PluginState::Refused);
    EXPECT_NE(r.status.message().find(c.says), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find(folderOf(c.folder)), std::string::npos) << r.status.message();
    if (c.kind) {
      EXPECT_EQ(f.datasets.find(c.kind), nullptr);
    }
  }
  EXPECT_EQ(f.datasets.find("csv")->origin, "builtin");
}

TEST(PluginLoader, SecondPluginOfTheSameNameIsShadowed) {
  Fixture f;
  const PluginRecord& r = f.record("shadow");
  EXPECT_EQ(r.state, PluginState::Shadowed);
  EXPECT_NE(r.status.message().find("was loaded first"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find(folderOf("good_op")), std::string::npos) << r.status.message();
}

TEST(PluginLoader, RegistriesHoldBuiltinsPlusExactlyTheGoodPlugin) {
  OpRegistry builtinOps;
  registerBuiltinOps(builtinOps);
  DatasetRegistry builtinDatasets;
  registerBuiltinDatasets(builtinDatasets);
  Fixture f;
  EXPECT_EQ(f.ops.all().size(), builtinOps.all().size() + 1);
  EXPECT_EQ(f.datasets.all().size(), builtinDatasets.all().size());
}

TEST(PluginLoader, AFolderIsVisitedOnce) {
  Fixture f;
  const size_t before = f.manager.plugins().size();
  f.manager.loadFrom({{LOOM_TEST_PLUGIN_DIR, "again"}, {folderOf("good_op"), "again"}});
  EXPECT_EQ(f.manager.plugins().size(), before);
  EXPECT_EQ(f.manager.searched().size(), 3u);
}

TEST(PluginManifest, MissingAndMistypedKeysAreNamed) {
  EXPECT_NE(parsePluginManifest(
                R"({"version": "1", "plugin_api_version": 1, "library": "x.so", "provides": {}})",
                "m.json")
                .status()
                .message()
                .find("missing \"name\""),
            std::string::npos);
  EXPECT_NE(parsePluginManifest(
                R"({"name": "a", "version": "1", "plugin_api_version": "1", "library": "x.so",
                                    "provides": {}})",
                "m.json")
                .status()
                .message()
                .find("\"plugin_api_version\" must be an integer"),
            std::string::npos);
  EXPECT_NE(parsePluginManifest(
                R"({"name": "A b", "version": "1", "plugin_api_version": 1, "library": "x.so",
                                    "provides": {}})",
                "m.json")
                .status()
                .message()
                .find("lower-case"),
            std::string::npos);
  EXPECT_NE(parsePluginManifest(
                R"({"name": "a", "version": "1", "plugin_api_version": 1, "library": "x.so",
                                    "provides": {"panels": ["lime"]}})",
                "m.json")
                .status()
                .message()
                .find("\"panels\", which this plugin API does not know"),
            std::string::npos);
  auto ok = parsePluginManifest(
      R"({"name": "a", "version": "1", "plugin_api_version": 1, "library": "x.so",
                                    "provides": {"ops": ["A"]}, "studio_library": "later.so"})",
      "/p/a/m.json");
  ASSERT_TRUE(ok.hasValue()) << ok.status().message();
  EXPECT_EQ(ok->libraryPath, "/p/a/x.so");
}

TEST(PluginSearch, EnvironmentAndBuildTreeComeFirst) {
  ::setenv("LOOM_PLUGIN_PATH", "/a/plugins::/b/plugins", 1);
  ::setenv("XDG_DATA_HOME", "/xdg", 1);
  const auto dirs = defaultPluginSearchDirs();
  ASSERT_EQ(dirs.size(), 5u);
  EXPECT_EQ(dirs[0].path, "/a/plugins");
  EXPECT_EQ(dirs[1].path, "/b/plugins");
  EXPECT_EQ(dirs[2].origin, "build tree");  // this test runs from the build tree
  EXPECT_EQ(dirs[2].path, std::string(LOOM_BINARY_DIR) + "/plugins");
  EXPECT_EQ(dirs[3].origin, "install tree");
  EXPECT_EQ(dirs[3].path,
            fs::path(executablePath()).parent_path().parent_path().string() + "/lib/loom/plugins");
  EXPECT_EQ(dirs[4].path, "/xdg/loom/plugins");
  ::unsetenv("XDG_DATA_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(defaultPluginSearchDirs().back().path, "/home/someone/.local/share/loom/plugins");
}

}  // namespace
}  // namespace loom
