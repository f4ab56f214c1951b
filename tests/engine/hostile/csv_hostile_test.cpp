// CSV cells that parse as numbers but are not finite: the error names the file, the line and
// the column, not "normalisation mean must be finite" later.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/data/csv.h"

using namespace loom;

TEST(CsvHostile, NaNAndInfCellsAreNamedByLineAndColumn) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("loom_csv_hostile_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string cell : {"nan", "inf", "-inf", "1e39"}) {
    const std::string path = (dir / "t.csv").string();
    std::ofstream(path) << "a,b,label\n1,2,0\n3," << cell << ",1\n";
    auto r = readCsv(path);
    ASSERT_FALSE(r.hasValue()) << cell;
    const std::string m = r.status().message();
    EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt) << m;
    EXPECT_NE(m.find(path + ":3"), std::string::npos) << m;  // line 3 of the file
    EXPECT_NE(m.find("\"b\""), std::string::npos) << m;      // the column, by its header name
  }
  std::filesystem::remove_all(dir);
}

TEST(CsvHostile, ALabelThatIsNotUtf8IsNamedByLineAndColumn) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("loom_csv_utf8_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "labels.csv").string();
  // Line 3 is "1,2,café b\xFF": the two-byte é is one column, so 0xFF is in column 11
  // (and at byte 29 of the file).
  std::ofstream(path) << "a,b,label\n1,2,cat\n1,2,caf\xC3\xA9 b\xFF\n";
  auto r = readCsv(path);
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.status().code(), ErrorCode::DataCorrupt);
  EXPECT_EQ(r.status().message(), path + ":3:11: not UTF-8 text (byte 0xff at byte offset 29)");
  std::filesystem::remove_all(dir);
}
