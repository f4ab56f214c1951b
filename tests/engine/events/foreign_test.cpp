// Real event files written by TensorFlow, Keras, PyTorch and tensorboardX
// (../shared/testdata/foreign, provenance and the facts checked here in its README.md): every
// scalar, histogram and image the README lists loads, with the README's counts, steps and
// known answers (my_metric == 0.5 * step exactly; tensorboardX's histogram std == step + 1).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "engine/events/log_dir_reader.h"

namespace loom::events {
namespace {

namespace fs = std::filesystem;

/// Reads the foreign folder `name` to its end; fails the test when the folder is absent.
std::unique_ptr<LogDirReader> load(const std::string& name) {
  const fs::path dir = fs::path(LOOM_FOREIGN_TESTDATA) / name;
  EXPECT_TRUE(fs::is_directory(dir))
      << "the foreign test logs are missing: " << dir
      << " (they live in ../shared/testdata/foreign beside the source tree; see its README)";
  auto reader = std::make_unique<LogDirReader>(dir.string());
  reader->poll();
  return reader;
}

void expectNoProblems(const LogDirReader& reader) {
  for (const auto& name : reader.runNames()) {
    for (const auto& p : reader.run(name)->problems) {
      ADD_FAILURE() << name << ": " << p.file << " @" << p.offset << ": " << p.message;
    }
  }
}

bool isPng(const std::string& blob) {
  return blob.rfind("\x89PNG\r\n\x1a\n", 0) == 0;
}

/// Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian).
std::pair<int, int> pngSize(const std::string& blob) {
  auto be = [&](std::size_t at) {
    int v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(blob.at(at + i));
    return v;
  };
  return {be(16), be(20)};
}

TEST(EventsForeign, KerasFitWithHistograms) {
  const auto reader = load("tfevents-keras-tf2.1-fit-histograms");
  ASSERT_EQ(reader->runNames(),
            (std::vector<std::string>{"20200326-221129/train", "20200326-221129/validation"}));
  expectNoProblems(*reader);
  const RunData* train = reader->run("20200326-221129/train");
  ASSERT_EQ(train->files.size(), 1u);  // the .profile-empty file is skipped, as TensorBoard does
  for (const char* tag : {"epoch_loss", "epoch_accuracy"}) {
    const ScalarSeries& s = train->scalars.at(tag);
    ASSERT_EQ(s.size(), 200u) << tag;
    EXPECT_EQ(s.steps.front(), 0);
    EXPECT_EQ(s.steps.back(), 199);
  }
  for (const char* tag : {"dense/kernel_0", "dense/bias_0", "dense_1/kernel_0", "dense_1/bias_0"}) {
    const auto& h = train->histograms.at(tag);
    ASSERT_EQ(h.size(), 200u) << tag;
    for (const auto& step : h) {
      EXPECT_GE(step.value.limits.size(), 1u);
      EXPECT_LE(step.value.limits.size(), 21u) << tag;
      double total = 0;
      for (double c : step.value.counts) total += c;
      EXPECT_EQ(total, step.value.num) << tag;
    }
  }
  EXPECT_EQ(train->histograms.at("dense_1/bias_0").front().value.num, 1);
  EXPECT_EQ(train->otherTags.at("<graph_def>"), 1u);
  const RunData* validation = reader->run("20200326-221129/validation");
  const ScalarSeries& acc = validation->scalars.at("epoch_accuracy");
  ASSERT_EQ(acc.size(), 200u);
  EXPECT_EQ(validation->scalars.at("epoch_loss").size(), 200u);
  EXPECT_NEAR(acc.values.front(), 0.46, 1e-6);
  EXPECT_EQ(acc.values.back(), 1.0);
}

TEST(EventsForeign, TfSummaryImageAsStringTensor) {
  const auto reader = load("tfevents-tf2.1-summary-image");
  ASSERT_EQ(reader->runNames(), (std::vector<std::string>{"20200409-142246"}));
  expectNoProblems(*reader);
  const auto& images = reader->run("20200409-142246")->images.at("Training data");
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[0].step, 0);
  EXPECT_EQ(images[0].value.size(), 1u);
  EXPECT_EQ(images[1].step, 1);
  EXPECT_EQ(images[1].value.size(), 25u);
  for (const auto& step : images) {
    for (const Image& image : step.value) {
      EXPECT_TRUE(isPng(image.encoded));
      EXPECT_EQ(image.width, 32);
      EXPECT_EQ(image.height, 32);
      EXPECT_EQ(pngSize(image.encoded), (std::pair<int, int>{32, 32}));
    }
  }
}

TEST(EventsForeign, PyTorchSummaryWriter) {
  const auto reader = load("tfevents-pytorch1.12-torch-utils-tensorboard");
  ASSERT_EQ(reader->runNames(),
            (std::vector<std::string>{"show_dataset/runs/May11_03-30-40_8e23b496c048",
                                      "training_loss/runs/May11_04-18-35_3622b90a002f"}));
  expectNoProblems(*reader);
  const RunData* shown = reader->run("show_dataset/runs/May11_03-30-40_8e23b496c048");
  const auto& image = shown->images.at("images");
  ASSERT_EQ(image.size(), 1u);
  ASSERT_EQ(image[0].value.size(), 1u);
  EXPECT_TRUE(isPng(image[0].value[0].encoded));
  EXPECT_EQ(image[0].value[0].width, 242);
  EXPECT_EQ(image[0].value[0].colorspace, 3);
  EXPECT_EQ(pngSize(image[0].value[0].encoded), (std::pair<int, int>{242, 242}));
  EXPECT_EQ(shown->otherTags.at("<graph_def>"), 1u);
  EXPECT_EQ(shown->otherTags.at("<tagged_run_metadata>"), 1u);
  const RunData* loss = reader->run("training_loss/runs/May11_04-18-35_3622b90a002f");
  EXPECT_EQ(loss->scalars.at("Loss/train").size(), 98u);
  for (const char* tag : {"Loss/test", "Accuracy/train", "Accuracy/test"}) {
    EXPECT_EQ(loss->scalars.at(tag).size(), 97u) << tag;
  }
  EXPECT_EQ(loss->scalars.at("Loss/train").steps.front(), 0);
  EXPECT_EQ(loss->scalars.at("Loss/train").steps.back(), 97);
  for (double v : loss->scalars.at("Loss/train").values) {
    EXPECT_TRUE(v >= 0 && v < 1) << v;  // np.random.random()
  }
}

TEST(EventsForeign, TensorboardXHistogramsAndImages) {
  const auto reader = load("tfevents-tensorboardX-histograms-images");
  ASSERT_EQ(reader->runNames(), (std::vector<std::string>{"histogram/hist", "images/MNIST"}));
  expectNoProblems(*reader);
  const RunData* hist = reader->run("histogram/hist");
  for (const char* tag : {"hist-numpy", "hist-torch"}) {
    const auto& h = hist->histograms.at(tag);
    ASSERT_EQ(h.size(), 5u) << tag;
    for (std::size_t i = 0; i < h.size(); ++i) {
      const Histogram& v = h[i].value;
      EXPECT_EQ(v.num, 1000);
      double total = 0;
      for (double c : v.counts) total += c;
      EXPECT_EQ(total, v.num);
      EXPECT_GE(v.limits.size(), 600u);
      EXPECT_LE(v.limits.size(), 645u);
      // The script draws N(0, step + 1): the sample std is within 5 % at n = 1000... the
      // README's values (1.01 ... 5.02 and 1.04 ... 4.86) are within 6 %.
      const double mean = v.sum / v.num;
      const double sd = std::sqrt(v.sumSquares / v.num - mean * mean);
      EXPECT_NEAR(sd, static_cast<double>(i + 1), 0.06 * static_cast<double>(i + 1)) << tag << i;
    }
  }
  const RunData* mnist = reader->run("images/MNIST");
  std::size_t images = 0;
  for (const auto& [tag, steps] : mnist->images) {
    for (const auto& step : steps) {
      EXPECT_EQ(step.step, 0);
      for (const Image& image : step.value) {
        ++images;
        EXPECT_TRUE(isPng(image.encoded));
        EXPECT_EQ(pngSize(image.encoded), (std::pair<int, int>{28, 28}));
      }
    }
  }
  EXPECT_EQ(images, 8u);
  EXPECT_EQ(mnist->images.count("MNIST_Tag_is_tensor__5__"), 1u);
  EXPECT_EQ(mnist->images.at("MNIST_group").size(), 4u);
}

TEST(EventsForeign, TensorFormScalarKnownAnswer) {
  const auto reader = load("tfevents-tf2-scalar-known-answer");
  ASSERT_EQ(reader->runNames(), (std::vector<std::string>{"tfevents"}));
  expectNoProblems(*reader);
  const ScalarSeries& s = reader->run("tfevents")->scalars.at("my_metric");
  ASSERT_EQ(s.size(), 100u);
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s.steps[i], static_cast<std::int64_t>(i));
    EXPECT_EQ(s.values[i], 0.5 * static_cast<double>(s.steps[i]));
  }
}

TEST(EventsForeign, EventFilesWithoutFileVersion) {
  const auto reader = load("projector-tensorboardX1.x-mnist-7-embeddings/logs");
  ASSERT_NE(reader->run("."), nullptr);
  expectNoProblems(*reader);
  EXPECT_EQ(reader->run(".")->files.size(), 32u);
  EXPECT_EQ(reader->run(".")->events, 32u);
  EXPECT_GT(reader->run(".")->startTime, 1.5e9);
}

}  // namespace
}  // namespace loom::events
