// .npy files against NumPy itself (/usr/bin/python3): Loom's files load in NumPy with the
// same values, NumPy's files (versions 1.0 and 2.0) load in Loom, and damaged or foreign
// files are refused with a message that names the file and the reason.
#include "engine/core/npy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/core/file_util.h"
#include "tests/support/run_command.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

fs::path scratchDir() {
  const fs::path dir = fs::temp_directory_path() / ("loom_npy_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string python(const std::string& script) {
  return std::string(LOOM_PYTHON) + " -c \"" + script + "\" 2>&1";
}

TEST(Npy, LoomFileReadsInNumpyWithTheSameValues) {
  Tensor t({2, 3, 4});
  for (int i = 0; i < 24; ++i) t.f32()[i] = 0.5f * static_cast<float>(i) - 3.0f;
  const fs::path path = scratchDir() / "loom.npy";
  ASSERT_TRUE(writeNpy(path.string(), t).isOk());
  const auto result = test::runCommand(python(
      "import numpy as n; a=n.load('" + path.string() +
      "'); assert a.dtype==n.float32 and a.shape==(2,3,4), (a.dtype,a.shape); "
      "assert (a.ravel()==n.arange(24,dtype=n.float32)*0.5-3).all(); print('ok')"));
  EXPECT_EQ(result.rc, 0) << result.out;
  EXPECT_EQ(result.out, "ok\n");
}

TEST(Npy, NumpyFilesOfVersionOneAndTwoReadInLoom) {
  const fs::path dir = scratchDir();
  const auto result = test::runCommand(python(
      "import numpy as n; from numpy.lib import format as f; "
      "a=(n.arange(30,dtype=n.float32)/7).reshape(5,6); n.save('" + (dir / "v1.npy").string() +
      "', a); h=open('" + (dir / "v2.npy").string() +
      "','wb'); f.write_array(h,a,version=(2,0)); h.close(); "
      "n.save('" + (dir / "vec.npy").string() + "', n.float32([1.5,-2])); "
      "n.save('" + (dir / "f64.npy").string() + "', a.astype(n.float64)); "
      "n.save('" + (dir / "fortran.npy").string() + "', n.asfortranarray(a)); print('ok')"));
  ASSERT_EQ(result.rc, 0) << result.out;
  for (const char* name : {"v1.npy", "v2.npy"}) {
    auto t = readNpy((dir / name).string());
    ASSERT_TRUE(t.hasValue()) << t.status().message();
    ASSERT_EQ(t->dims(), (Dims{5, 6})) << name;
    for (int i = 0; i < 30; ++i) EXPECT_EQ(t->f32()[i], static_cast<float>(i) / 7.0f) << name;
  }
  auto vec = readNpy((dir / "vec.npy").string());
  ASSERT_TRUE(vec.hasValue());
  EXPECT_EQ(vec->dims(), (Dims{2}));
  EXPECT_EQ(vec->f32()[1], -2.0f);

  auto f64 = readNpy((dir / "f64.npy").string());
  ASSERT_FALSE(f64.hasValue());
  EXPECT_NE(f64.status().message().find("f64.npy"), std::string::npos);
  EXPECT_NE(f64.status().message().find("'<f8'"), std::string::npos) << f64.status().message();
  auto fortran = readNpy((dir / "fortran.npy").string());
  ASSERT_FALSE(fortran.hasValue());
  EXPECT_NE(fortran.status().message().find("Fortran"), std::string::npos);
}

TEST(Npy, DamagedFilesAreRefusedWithTheReason) {
  Tensor t({3, 4});
  const std::string good = encodeNpy(t);
  auto truncated = parseNpy(std::string_view(good).substr(0, good.size() - 4), "cut.npy");
  ASSERT_FALSE(truncated.hasValue());
  EXPECT_NE(truncated.status().message().find("cut.npy: header declares shape [3, 4]"),
            std::string::npos)
      << truncated.status().message();
  EXPECT_NE(truncated.status().message().find("44 data bytes"), std::string::npos);

  auto notNpy = parseNpy("PK\x03\x04 zip file", "x.npz");
  ASSERT_FALSE(notNpy.hasValue());
  EXPECT_NE(notNpy.status().message().find("not a .npy file"), std::string::npos);

  std::string huge = good;
  const size_t at = huge.find("(3, 4)");
  huge.replace(at, 6, "(99999999999, 99999999999)");
  huge[8] = static_cast<char>(huge.size() - 10);  // keep the header length consistent
  auto overflow = parseNpy(huge, "huge.npy");
  ASSERT_FALSE(overflow.hasValue());
  EXPECT_NE(overflow.status().message().find("huge.npy"), std::string::npos);
}

}  // namespace
}  // namespace loom
