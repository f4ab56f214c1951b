// Checkpoints: round trip, and every way a file can be damaged is detected and named.
#include "engine/train/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/core/file_util.h"

using namespace loom;

namespace {
std::string tempPath(const std::string& name) {
  auto dir =
      std::filesystem::temp_directory_path() / ("loom_ckpt_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

CheckpointData sample() {
  CheckpointData d;
  d.modelHash = "0123456789abcdef";
  d.state.epoch = 3;
  d.state.stepInEpoch = 17;
  d.state.globalStep = 1234;
  d.state.seed = 99;
  d.state.threads = 2;
  d.state.bestValidationLoss = 0.25;
  d.state.epochLossSum = 12.5;
  Tensor w({3, 4});
  for (int i = 0; i < 12; ++i) w.f32()[i] = 0.5f * static_cast<float>(i) - 2.0f;
  Tensor steps(Dims{1}, DType::I64);
  steps.data<std::int64_t>()[0] = 1234;
  d.tensors = {{"param/fc.weights", w}, {"optim/step_count", steps}};
  return d;
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
}  // namespace

TEST(Checkpoint, RoundTripIsExact) {
  const std::string path = tempPath("a.ckpt");
  ASSERT_TRUE(writeCheckpoint(path, sample()).isOk());
  auto back = readCheckpoint(path, "0123456789abcdef");
  ASSERT_TRUE(back.hasValue()) << back.status().message();
  EXPECT_EQ(back->state.globalStep, 1234);
  EXPECT_EQ(back->state.stepInEpoch, 17);
  EXPECT_EQ(back->state.bestValidationLoss, 0.25);
  ASSERT_EQ(back->tensors.size(), 2u);
  EXPECT_EQ(back->tensors[0].first, "param/fc.weights");
  EXPECT_EQ(maxRelativeDifference(back->tensors[0].second, sample().tensors[0].second), 0.0);
  EXPECT_EQ(back->tensors[1].second.data<std::int64_t>()[0], 1234);
}

TEST(Checkpoint, EveryTruncationIsDetected) {
  const std::string path = tempPath("b.ckpt");
  ASSERT_TRUE(writeCheckpoint(path, sample()).isOk());
  std::string bytes = *readFile(path);
  const std::string cut = tempPath("cut.ckpt");
  for (size_t n = 0; n < bytes.size(); ++n) {
    writeBytes(cut, bytes.substr(0, n));
    auto r = readCheckpoint(cut);
    ASSERT_FALSE(r.hasValue()) << "truncated to " << n << " bytes but loaded";
    EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt) << n;
    EXPECT_NE(r.status().message().find(cut), std::string::npos) << r.status().message();
  }
}

TEST(Checkpoint, EveryFlippedByteIsDetected) {
  const std::string path = tempPath("c.ckpt");
  ASSERT_TRUE(writeCheckpoint(path, sample()).isOk());
  std::string bytes = *readFile(path);
  const std::string bad = tempPath("bad.ckpt");
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string copy = bytes;
    copy[i] = static_cast<char>(copy[i] ^ 0x10);
    writeBytes(bad, copy);
    auto r = readCheckpoint(bad);
    EXPECT_FALSE(r.hasValue()) << "byte " << i << " flipped but the checkpoint loaded";
  }
}

TEST(Checkpoint, OtherModelIsRejectedByName) {
  const std::string path = tempPath("d.ckpt");
  ASSERT_TRUE(writeCheckpoint(path, sample()).isOk());
  auto r = readCheckpoint(path, "ffffffffffffffff");
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::ModelMismatch);
  EXPECT_NE(r.status().message().find("different model"), std::string::npos);
}

TEST(Checkpoint, WriteReplacesAtomically) {
  const std::string path = tempPath("e.ckpt");
  CheckpointData d = sample();
  ASSERT_TRUE(writeCheckpoint(path, d).isOk());
  d.state.globalStep = 5;
  ASSERT_TRUE(writeCheckpoint(path, d).isOk());
  EXPECT_EQ(readCheckpoint(path)->state.globalStep, 5);
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
    EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos)
        << "temporary file left: " << e.path();
}
