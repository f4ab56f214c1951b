// `loom train` through the plugin matches `loom train` on the IDX files: 2,000 training and
// 500 test images of Fashion-MNIST are written as PNG files through OpenCV, the MLP example
// is trained for one step on each data set, and the first step's loss and the trained
// parameters must be identical; `loom eval` on the test split must agree too.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "engine/core/file_util.h"
#include "engine/graph/model.h"
#include "plugins/image_folder/tests/image_folder_fixtures.h"
#include "tests/support/run_command.h"

namespace loom::image_folder_test {
namespace {

namespace fs = std::filesystem;

using LoomRun = test::CommandResult;

LoomRun runLoom(const std::string& args, const std::string& cacheHome) {
  return test::runCommand("env LOOM_PLUGIN_PATH= XDG_DATA_HOME=/nonexistent/xdg XDG_CACHE_HOME=" +
                          cacheHome + " " + LOOM_BIN + " " + args + " 2>&1");
}

/// The MLP example with `dataset` appended (the example has no dataset block of its own).
void writeModel(const fs::path& path, const std::string& dataset) {
  auto example = readFile(std::string(LOOM_SOURCE_DIR) + "/resources/examples/mlp.loom");
  ASSERT_TRUE(example.hasValue()) << example.status().message();
  ASSERT_EQ(example->find("\ndataset"), std::string::npos)
      << "mlp.loom now has a dataset block; replace it here";
  std::ofstream(path) << *example << "\n" << dataset << "\n";
}

/// The last "loss <value>" the progress bar printed.
std::string lastLoss(const std::string& out) {
  std::string loss;
  const std::regex re("loss ([0-9]+\\.[0-9]+)");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it) loss = (*it)[1];
  return loss;
}

std::string testLine(const std::string& out) {
  std::smatch m;
  return std::regex_search(out, m, std::regex("test: loss [^\n]*")) ? m.str() : std::string();
}

TEST(ImageFolderTraining, FirstStepMatchesTheIdxRunExactly) {
  const fs::path work = freshDir("train");
  const fs::path images = work / "images";
  ASSERT_TRUE(writeFashionMnistFolder(images.string(), 2000, 500).isOk());
  writeModel(work / "idx.loom",
             "dataset { kind: \"fashion_mnist\" path: \"" + std::string(kFashionMnistDir) + "\" }");
  writeModel(work / "folder.loom", "dataset { kind: \"image_folder\" path: \"" + images.string() +
                                       "\" options { key: \"channels\" value: \"1\" } }");
  const std::string common = " --max-steps 1 --train-limit 2000 --threads 1 --no-test";
  const std::string cache = (work / "cache").string();
  const LoomRun idx = runLoom("train " + (work / "idx.loom").string() + " --run-dir " +
                                  (work / "run_idx").string() + common,
                              cache);
  ASSERT_EQ(idx.rc, 0) << idx.out;
  const LoomRun folder = runLoom("train " + (work / "folder.loom").string() + " --run-dir " +
                                     (work / "run_folder").string() + common,
                                 cache);
  ASSERT_EQ(folder.rc, 0) << folder.out;

  // The folder run really read the PNG files through the plugin (and cached them).
  auto runJson = readFile((work / "run_folder" / "run.json").string());
  ASSERT_TRUE(runJson.hasValue());
  EXPECT_NE(runJson->find("\"source\": \"" + (images / "train").string() + "\""), std::string::npos)
      << *runJson;
  EXPECT_TRUE(fs::exists(work / "cache" / "loom" / "image_folder"));

  ASSERT_FALSE(lastLoss(idx.out).empty()) << idx.out;
  EXPECT_EQ(lastLoss(folder.out), lastLoss(idx.out)) << "idx:\n"
                                                     << idx.out << "\nfolder:\n"
                                                     << folder.out;

  auto a = loadModel((work / "run_idx" / "trained.loom").string());
  auto b = loadModel((work / "run_folder" / "trained.loom").string());
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  ASSERT_FALSE(a->parameters.empty());
  ASSERT_EQ(a->parameters.size(), b->parameters.size());
  for (const auto& [name, tensor] : a->parameters) {
    SCOPED_TRACE(name);
    auto it = b->parameters.find(name);
    ASSERT_NE(it, b->parameters.end());
    ASSERT_EQ(it->second.dims(), tensor.dims());
    EXPECT_EQ(std::memcmp(it->second.raw(), tensor.raw(), tensor.bytes()), 0)
        << "parameters differ";
  }

  // The test split through the plugin: the same 500 samples, the same metrics.
  const LoomRun evalIdx =
      runLoom("eval " + (work / "run_idx" / "trained.loom").string() + " --test-limit 500", cache);
  const LoomRun evalFolder =
      runLoom("eval " + (work / "run_folder" / "trained.loom").string(), cache);
  ASSERT_EQ(evalIdx.rc, 0) << evalIdx.out;
  ASSERT_EQ(evalFolder.rc, 0) << evalFolder.out;
  ASSERT_FALSE(testLine(evalIdx.out).empty()) << evalIdx.out;
  EXPECT_NE(testLine(evalIdx.out).find("(500 samples)"), std::string::npos) << evalIdx.out;
  EXPECT_EQ(testLine(evalFolder.out), testLine(evalIdx.out));
}

}  // namespace
}  // namespace loom::image_folder_test
