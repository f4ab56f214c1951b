// Special and lying files: a reader must refuse a directory, a FIFO with no writer, a device
// such as /dev/zero, and a header that claims more data than the file holds, at once and
// without allocating what the file claims. The process runs under a 2 GiB address-space
// limit (not under ASan, which reserves far more), so an allocation of the claimed size fails
// the test instead of passing quietly on a large machine.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/core/file_util.h"
#include "engine/data/dataset.h"
#include "engine/data/idx.h"

using namespace loom;
namespace fs = std::filesystem;

namespace {
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kLimitMemory = false;
#else
constexpr bool kLimitMemory = true;
#endif

class HostileFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!kLimitMemory) return;
    rlimit limit{std::uint64_t{2} << 30, std::uint64_t{2} << 30};
    ASSERT_EQ(::setrlimit(RLIMIT_AS, &limit), 0);
  }
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("loom_hostile_files_" + std::to_string(::getpid()));
    fs::create_directories(m_dir);
  }
  void TearDown() override { fs::remove_all(m_dir); }
  std::string path(const std::string& name) const { return (m_dir / name).string(); }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  fs::path m_dir;
};

std::string idxHeader(std::uint32_t magic, std::initializer_list<std::uint32_t> dims) {
  std::string s;
  auto be = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      s.push_back(static_cast<char>((v >> shift) & 0xff));
  };
  be(magic);
  for (auto d : dims) be(d);
  return s;
}
}  // namespace

TEST_F(HostileFiles, ReadFileRefusesWhatIsNotARegularFile) {
  fs::create_directories(path("a_directory"));
  ASSERT_EQ(::mkfifo(path("a_fifo").c_str(), 0600), 0);
  struct Case {
    std::string path, says;
  };
  for (const Case& c : {Case{path("a_directory"), "directory"}, Case{path("a_fifo"), "FIFO"},
                        Case{"/dev/zero", "character device"}}) {
    auto r = readFile(c.path);  // a FIFO with no writer used to block here forever
    ASSERT_FALSE(r.hasValue()) << c.path;
    EXPECT_NE(r.status().message().find(c.path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(readFile(path("missing")).status().code(), ErrorCode::NotFound);
}

TEST_F(HostileFiles, ReadFileRefusesFilesOverItsBound) {
  write("big", std::string(1000, 'x'));
  auto r = readFile(path("big"), 999);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("1000 bytes"), std::string::npos) << r.status().message();
  EXPECT_EQ(readFile(path("big"), 1000)->size(), 1000u);
}

TEST_F(HostileFiles, SymlinkLoopIsNamed) {
  fs::create_symlink(path("loop_b"), path("loop_a"));
  fs::create_symlink(path("loop_a"), path("loop_b"));
  auto r = readFile(path("loop_a"));
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("symlink loop"), std::string::npos) << r.status().message();
}

TEST_F(HostileFiles, IdxHeaderClaimingGigabytesIsRefusedBeforeAllocating) {
  // 16 bytes claiming 60000 x 280 x 280 uint8 (4.7 GB): the old reader allocated it first.
  write("plain.idx", idxHeader(0x00000803, {60000, 280, 280}));
  auto r = readIdx(path("plain.idx"));
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(r.status().message().find("4704000000"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("found 0"), std::string::npos) << r.status().message();
}

TEST_F(HostileFiles, GzipIdxClaimingMoreThanDeflateCanHoldIsRefused) {
  // A gzip stream of the same 16-byte header, made by the real gzip tool.
  write("header.idx", idxHeader(0x00000803, {100000, 1000, 100}));
  ASSERT_EQ(std::system(("gzip -kf " + path("header.idx")).c_str()), 0);
  auto r = readIdx(path("header.idx.gz"));
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(r.status().message().find("gzip"), std::string::npos) << r.status().message();
}

TEST_F(HostileFiles, IdxFifoIsRefusedNotWaitedOn) {
  ASSERT_EQ(::mkfifo(path("images.idx").c_str(), 0600), 0);
  auto r = readIdx(path("images.idx"));
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("FIFO"), std::string::npos) << r.status().message();
}

TEST_F(HostileFiles, FashionMnistPathsThatAreTheWrongKindOfFileAreNamed) {
  write("not_a_dir", "x");
  auto r = loadFashionMnist(path("not_a_dir"), Split::Train);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("is not a directory"), std::string::npos)
      << r.status().message();

  fs::create_directories(
      path("fm/train-images-idx3-ubyte.gz"));  // a directory where a file belongs
  r = loadFashionMnist(path("fm"), Split::Train);
  ASSERT_FALSE(r.hasValue());
  EXPECT_NE(r.status().message().find("is a directory"), std::string::npos) << r.status().message();
}

TEST_F(HostileFiles, DamagedGzipIsCorruptDataNotAnIoError) {
  // A real IDX file of 4,000 pseudo-random bytes, gzip-compressed by the gzip tool, then a
  // byte in the deflate stream flipped, and separately the gzip trailer's CRC damaged.
  std::string idx = idxHeader(0x00000801, {4000});
  std::uint32_t x = 12345;
  for (int i = 0; i < 4000; ++i)
    idx.push_back(static_cast<char>((x = x * 1103515245 + 12345) >> 24));
  write("d.idx", idx);
  ASSERT_EQ(std::system(("gzip -kf " + path("d.idx")).c_str()), 0);
  const std::string gz = *readFile(path("d.idx.gz"));
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  std::string badCrc = gz;
  badCrc[gz.size() - 6] ^= 0x01;  // the CRC-32 of the gzip trailer
  for (const auto& bytes : {flipped, badCrc}) {
    write("bad.idx.gz", bytes);
    auto r = readIdx(path("bad.idx.gz"));
    ASSERT_FALSE(r.hasValue());
    EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt) << r.status().message();
  }
}
