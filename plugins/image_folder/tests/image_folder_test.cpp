// The image_folder dataset kind through the real plugin and real OpenCV files: pixels equal
// Fashion-MNIST's IDX bytes, resizing and colour follow known answers, bad folders give
// errors that name the folder or file, and the cache is used and invalidated.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "engine/core/file_util.h"
#include "plugins/image_folder/image_folder_options.h"
#include "plugins/image_folder/tests/image_folder_fixtures.h"

namespace loom::image_folder_test {
namespace {

namespace fs = std::filesystem;

void writeImage(const fs::path& path, const cv::Mat& image) {
  fs::create_directories(path.parent_path());
  ASSERT_TRUE(cv::imwrite(path.string(), image)) << path;
}

void writeText(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

/// A folder with classes a and b, two 4x4 gray images each in train/, one in test/:
/// train/a/a0 = 10, a1 = 11, train/b/b0 = 200, b1 = 201 (every pixel).
std::string smallFolder(const std::string& name, const std::string& extension = ".png") {
  const std::string root = freshDir(name);
  for (const char* split : {"train", "test"})
    for (const char* cls : {"a", "b"})
      for (int i = 0; i < (std::string(split) == "train" ? 2 : 1); ++i)
        writeImage(
            fs::path(root) / split / cls / (std::string(cls) + std::to_string(i) + extension),
            cv::Mat(4, 4, CV_8UC1, cv::Scalar(std::string(cls) == "a" ? 10 + i : 200 + i)));
  return root;
}

std::string messageOf(const Expected<Dataset>& d) {
  return d ? std::string("(loaded)") : d.status().message();
}

TEST(ImageFolder, FashionMnistPngsDecodeToTheIdxBytesInIdxOrder) {
  const std::string root = freshDir("fmnist_small");
  ASSERT_TRUE(writeFashionMnistFolder(root, 300, 100).isOk());
  for (auto [split, count] : {std::pair{Split::Train, 300}, std::pair{Split::Test, 100}}) {
    SCOPED_TRACE(splitName(split));
    auto idx = loadFashionMnist(kFashionMnistDir, split);
    ASSERT_TRUE(idx.hasValue()) << idx.status().message();
    auto folder = loadFolder(root, split, {{"channels", "1"}, {"cache", "off"}});
    ASSERT_TRUE(folder.hasValue()) << folder.status().message();
    EXPECT_EQ(folder->images.dims(), (Dims{count, 1, 28, 28}));
    EXPECT_EQ(folder->images.dtype(), DType::U8);
    EXPECT_EQ(std::memcmp(folder->images.raw(), idx->images.raw(), folder->images.bytes()), 0);
    EXPECT_EQ(std::memcmp(folder->labels.raw(), idx->labels.raw(), folder->labels.bytes()), 0);
    ASSERT_EQ(folder->classNames.size(), 10u);
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(folder->classNames[static_cast<size_t>(c)], fashionClassFolder(c));
    EXPECT_EQ(folder->source, (fs::path(root) / splitName(split)).string());
  }
}

TEST(ImageFolder, RgbInRgbOrderResizedToWidthByHeight) {
  const std::string root = freshDir("rgb");
  // OpenCV writes BGR: (0, 0, 255) is red.
  for (const char* split : {"train", "test"}) {
    writeImage(fs::path(root) / split / "red" / "1.png",
               cv::Mat(3, 6, CV_8UC3, cv::Scalar(0, 0, 255)));
    writeImage(fs::path(root) / split / "green" / "2.bmp",
               cv::Mat(5, 5, CV_8UC3, cv::Scalar(0, 255, 0)));
    writeImage(fs::path(root) / split / "blue" / "3.jpg",
               cv::Mat(7, 2, CV_8UC3, cv::Scalar(255, 0, 0)));
  }
  auto d = loadFolder(root, Split::Train, {{"image_size", "8x4"}, {"cache", "off"}});
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->images.dims(), (Dims{3, 3, 4, 8}));  // [N, C, H = 4, W = 8]
  EXPECT_EQ(d->classNames, (std::vector<std::string>{"blue", "green", "red"}));
  // Files by name: 1.png (red, label 2), 2.bmp (green, 1), 3.jpg (blue, 0).
  EXPECT_EQ(
      std::vector<std::int64_t>(d->labels.data<std::int64_t>(), d->labels.data<std::int64_t>() + 3),
      (std::vector<std::int64_t>{2, 1, 0}));
  const std::uint8_t* px = d->images.data<std::uint8_t>();
  const int plane = 4 * 8;
  for (int n = 0; n < 3; ++n)
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < plane; ++i) {
        const int expected = c == n ? 255 : 0;  // red -> R, green -> G, blue -> B
        const int got = px[(n * 3 + c) * plane + i];
        ASSERT_NEAR(got, expected, n == 2 ? 3 : 0)
            << "sample " << n << " channel " << c;  // JPEG is lossy
      }
}

TEST(ImageFolder, AreaResizeAveragesBlocksAndGrayscaleUsesLuma) {
  const std::string root = freshDir("area");
  cv::Mat image(4, 4, CV_8UC1);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      image.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(16 * (4 * y + x));
  for (const char* split : {"train", "test"}) {
    writeImage(fs::path(root) / split / "x" / "0.png", image);
    writeImage(fs::path(root) / split / "x" / "1.png",
               cv::Mat(2, 2, CV_8UC3, cv::Scalar(0, 0, 255)));
  }
  auto d =
      loadFolder(root, Split::Train, {{"image_size", "2"}, {"channels", "1"}, {"cache", "off"}});
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  ASSERT_EQ(d->images.dims(), (Dims{2, 1, 2, 2}));
  const std::uint8_t* px = d->images.data<std::uint8_t>();
  // Means of the 2x2 blocks of 16 * (4y + x): (0+16+64+80)/4 = 40, then 72, 168, 200.
  EXPECT_EQ(std::vector<int>(px, px + 4), (std::vector<int>{40, 72, 168, 200}));
  // Pure red in grayscale: 0.299 * 255 = 76.2 (ITU-R BT.601 luma, as OpenCV and PIL).
  EXPECT_NEAR(px[4], 76, 1);
}

TEST(ImageFolder, SamplesAreOrderedByFileNameAcrossClasses) {
  const std::string root = freshDir("order");
  const char* files[][2] = {
      {"b", "003.png"}, {"a", "002.png"}, {"b", "001.png"}, {"a", "004.png"}, {"a", "001.png"}};
  for (int i = 0; i < 5; ++i)
    writeImage(fs::path(root) / "train" / files[i][0] / files[i][1],
               cv::Mat(1, 1, CV_8UC1, cv::Scalar(i)));
  writeImage(fs::path(root) / "test" / "a" / "x.png", cv::Mat(1, 1, CV_8UC1, cv::Scalar(0)));
  writeImage(fs::path(root) / "test" / "b" / "x.png", cv::Mat(1, 1, CV_8UC1, cv::Scalar(0)));
  auto d = loadFolder(root, Split::Train, {{"channels", "1"}, {"cache", "off"}});
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  // 001 (a), 001 (b), 002 (a), 003 (b), 004 (a): pixel = position in `files`.
  const std::uint8_t* px = d->images.data<std::uint8_t>();
  EXPECT_EQ(std::vector<int>(px, px + 5), (std::vector<int>{4, 2, 1, 0, 3}));
  EXPECT_EQ(
      std::vector<std::int64_t>(d->labels.data<std::int64_t>(), d->labels.data<std::int64_t>() + 5),
      (std::vector<std::int64_t>{0, 1, 0, 1, 0}));
}

TEST(ImageFolder, NonImageFilesAndHiddenFoldersAreSkipped) {
  const std::string root = smallFolder("skipped");
  writeText(fs::path(root) / "train" / "a" / "README.txt", "not an image");
  writeText(fs::path(root) / "train" / "a" / ".DS_Store", "x");
  fs::create_directories(fs::path(root) / "train" / "a" / "nested");
  fs::create_directories(fs::path(root) / "train" / ".git");
  auto d = loadFolder(root, Split::Train, {{"channels", "1"}, {"cache", "off"}});
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(d->size(), 4);
  EXPECT_EQ(d->classNames, (std::vector<std::string>{"a", "b"}));
}

TEST(ImageFolder, BadFoldersAndFilesAreNamed) {
  struct Case {
    const char* name;
    std::function<void(const fs::path&)> damage;
    ErrorCode code;
    std::string says;  // relative to the root
  };
  const std::vector<Case> cases = {
      {"undecodable",
       [](const fs::path& r) { writeText(r / "train" / "a" / "a9.png", "not a png at all"); },
       ErrorCode::DataCorrupt, "cannot decode image \"<root>/train/a/a9.png\""},
      {"empty_class",
       [](const fs::path& r) {
         writeText(r / "train" / "c" / "notes.txt", "x");
         writeImage(r / "test" / "c" / "c.png", cv::Mat(4, 4, CV_8UC1));
       },
       ErrorCode::DataCorrupt,
       "class folder \"<root>/train/c\" has no images (.png, .jpg, .jpeg or .bmp); 1 other entries "
       "skipped"},
      {"train_only_class",
       [](const fs::path& r) { writeImage(r / "train" / "c" / "c.png", cv::Mat(4, 4, CV_8UC1)); },
       ErrorCode::DataCorrupt, "class \"c\" is in \"<root>/train\" but not in \"<root>/test\""},
      {"test_only_class",
       [](const fs::path& r) { writeImage(r / "test" / "c" / "c.png", cv::Mat(4, 4, CV_8UC1)); },
       ErrorCode::DataCorrupt, "class \"c\" is in \"<root>/test\" but not in \"<root>/train\""},
      {"no_test", [](const fs::path& r) { fs::remove_all(r / "test"); }, ErrorCode::NotFound,
       "image folder \"<root>\" has no test/ folder"},
      {"sizes_differ",
       [](const fs::path& r) { writeImage(r / "train" / "b" / "b9.png", cv::Mat(5, 3, CV_8UC1)); },
       ErrorCode::DataCorrupt,
       "image \"<root>/train/b/b9.png\" is 3x5 but \"<root>/train/a/a0.png\" is 4x4; set the "
       "dataset option image_size"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string root = smallFolder(std::string("bad_") + c.name);
    c.damage(root);
    auto d = loadFolder(root, Split::Train, {{"channels", "1"}, {"cache", "off"}});
    ASSERT_FALSE(d.hasValue());
    EXPECT_EQ(d.status().code(), c.code) << d.status().message();
    std::string says = c.says;
    for (size_t at; (at = says.find("<root>")) != std::string::npos;) says.replace(at, 6, root);
    EXPECT_NE(d.status().message().find(says), std::string::npos)
        << d.status().message() << "\nexpected: " << says;
  }
  auto missing = loadFolder("/nonexistent/images", Split::Train, {});
  EXPECT_EQ(missing.status().code(), ErrorCode::NotFound);
  EXPECT_NE(messageOf(missing).find("\"/nonexistent/images\" does not exist"), std::string::npos)
      << messageOf(missing);
}

TEST(ImageFolder, BadOptionsAreNamedWithWhatIsAllowed) {
  const std::string root = smallFolder("options");
  const std::pair<std::map<std::string, std::string>, std::string> cases[] = {
      {{{"channels", "2"}},
       "dataset option \"channels\" = \"2\": expected 1 (grayscale) or 3 (RGB)"},
      {{{"image_size", "28x"}}, "dataset option \"image_size\" = \"28x\": expected WIDTHxHEIGHT"},
      {{{"image_size", "0x5"}}, "dataset option \"image_size\" = \"0x5\""},
      {{{"interpolation", "lanczos"}}, "expected area, linear, nearest or cubic"},
      {{{"cache_dir", "relative/dir"}}, "expected an absolute directory path"},
      {{{"imagesize", "28"}},
       "dataset option \"imagesize\" is not an image_folder option (known: image_size, channels, "
       "interpolation, cache, cache_dir)"},
  };
  for (const auto& [options, says] : cases) {
    auto d = loadFolder(root, Split::Train, options);
    ASSERT_FALSE(d.hasValue()) << says;
    EXPECT_EQ(d.status().code(), ErrorCode::InvalidArgument);
    EXPECT_NE(d.status().message().find(says), std::string::npos) << d.status().message();
  }
}

TEST(ImageFolder, DocsListExactlyTheOptionsTheParserKnows) {
  auto docs = readFile(std::string(LOOM_SOURCE_DIR) + "/docs/plugins.md");
  ASSERT_TRUE(docs.hasValue()) << docs.status().message();
  const size_t start = docs->find("### Options (`dataset.options`)");
  ASSERT_NE(start, std::string::npos);
  const std::string section = docs->substr(start, docs->find("\n### ", start + 1) - start);
  const auto& specs = image_folder::imageFolderOptionSpecs();
  for (const auto& spec : specs) {
    const std::string row =
        "\n| `" + spec.name + "` | " +
        (spec.defaultValue.empty() ? "*(unset)*" : "`" + spec.defaultValue + "`") + " |";
    EXPECT_NE(section.find(row), std::string::npos)
        << "docs/plugins.md lacks the row starting" << row;
  }
  size_t rows = 0;
  for (size_t at = 0; (at = section.find("\n| `", at)) != std::string::npos; ++at) ++rows;
  EXPECT_EQ(rows, specs.size()) << "docs/plugins.md lists options the parser does not know";
}

// ---- the cache ---------------------------------------------------------------------------

std::vector<fs::path> cacheFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".bin") files.push_back(e.path());
  return files;
}

struct timespec mtimeOf(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mtim;
}

void setMtime(const fs::path& p, struct timespec t) {
  const struct timespec times[2] = {t, t};
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

int firstPixelOfFile(const Dataset& d, const std::string& stem) {
  // smallFolder's train files in name order: a0, a1, b0, b1.
  const std::vector<std::string> order = {"a0", "a1", "b0", "b1"};
  const auto i = std::find(order.begin(), order.end(), stem) - order.begin();
  return d.images.data<std::uint8_t>()[i * d.sampleElements()];
}

TEST(ImageFolderCache, IsWrittenThenUsedThenInvalidatedByAChangedFile) {
  const std::string root = smallFolder("cache", ".bmp");  // BMP: the size depends on W x H only
  const fs::path cache = freshDir("cache_dir");
  const std::map<std::string, std::string> options = {{"channels", "1"},
                                                      {"cache_dir", cache.string()}};
  auto first = loadFolder(root, Split::Train, options);
  ASSERT_TRUE(first.hasValue()) << first.status().message();
  EXPECT_EQ(firstPixelOfFile(*first, "a1"), 11);
  ASSERT_EQ(cacheFiles(cache).size(), 1u);

  // New pixels in a file of the same size and the same mtime: the key does not change, so
  // the cached (old) pixels come back — proof that the second load reads the cache.
  const fs::path a1 = fs::path(root) / "train" / "a" / "a1.bmp";
  const auto size = fs::file_size(a1);
  const struct timespec mtime = mtimeOf(a1);
  writeImage(a1, cv::Mat(4, 4, CV_8UC1, cv::Scalar(99)));
  ASSERT_EQ(fs::file_size(a1), size);
  setMtime(a1, mtime);
  auto cached = loadFolder(root, Split::Train, options);
  ASSERT_TRUE(cached.hasValue()) << cached.status().message();
  EXPECT_EQ(firstPixelOfFile(*cached, "a1"), 11);

  // A new modification time changes the key: decoded again, the stale entry replaced.
  struct timespec later = mtime;
  later.tv_sec += 10;
  setMtime(a1, later);
  auto fresh = loadFolder(root, Split::Train, options);
  ASSERT_TRUE(fresh.hasValue()) << fresh.status().message();
  EXPECT_EQ(firstPixelOfFile(*fresh, "a1"), 99);
  EXPECT_EQ(cacheFiles(cache).size(), 1u);

  // Another file list (a file removed) is another key too.
  fs::remove(fs::path(root) / "train" / "b" / "b1.bmp");
  auto fewer = loadFolder(root, Split::Train, options);
  ASSERT_TRUE(fewer.hasValue()) << fewer.status().message();
  EXPECT_EQ(fewer->size(), 3);
}

TEST(ImageFolderCache, OptionsAndSplitsHaveTheirOwnEntries) {
  const std::string root = smallFolder("cache_options");
  const fs::path cache = freshDir("cache_options_dir");
  auto gray = loadFolder(root, Split::Train, {{"channels", "1"}, {"cache_dir", cache.string()}});
  auto rgb = loadFolder(root, Split::Train, {{"channels", "3"}, {"cache_dir", cache.string()}});
  auto test = loadFolder(root, Split::Test, {{"channels", "1"}, {"cache_dir", cache.string()}});
  ASSERT_TRUE(gray.hasValue() && rgb.hasValue() && test.hasValue());
  EXPECT_EQ(cacheFiles(cache).size(), 3u);
  auto grayAgain =
      loadFolder(root, Split::Train, {{"channels", "1"}, {"cache_dir", cache.string()}});
  ASSERT_TRUE(grayAgain.hasValue());
  EXPECT_EQ(grayAgain->images.dims(), (Dims{4, 1, 4, 4}));
  EXPECT_EQ(std::memcmp(grayAgain->images.raw(), gray->images.raw(), gray->images.bytes()), 0);
}

TEST(ImageFolderCache, ADamagedEntryIsIgnoredAndRewritten) {
  const std::string root = smallFolder("cache_damaged");
  const fs::path cache = freshDir("cache_damaged_dir");
  const std::map<std::string, std::string> options = {{"channels", "1"},
                                                      {"cache_dir", cache.string()}};
  ASSERT_TRUE(loadFolder(root, Split::Train, options).hasValue());
  ASSERT_EQ(cacheFiles(cache).size(), 1u);
  const fs::path entry = cacheFiles(cache)[0];
  {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(entry)) - 10);  // inside the pixels
    f.put('\x7f');
  }
  auto d = loadFolder(root, Split::Train, options);
  ASSERT_TRUE(d.hasValue()) << d.status().message();
  EXPECT_EQ(firstPixelOfFile(*d, "b1"), 201);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(d->images.data<std::uint8_t>()[3 * 16 + i], 201);
}

TEST(ImageFolderCache, DefaultsToXdgCacheHomeAndCanBeTurnedOff) {
  const std::string root = smallFolder("cache_default");
  const fs::path xdg = freshDir("xdg_cache");
  ::setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
  ASSERT_TRUE(loadFolder(root, Split::Train, {{"channels", "1"}, {"cache", "off"}}).hasValue());
  EXPECT_FALSE(fs::exists(xdg / "loom"));
  ASSERT_TRUE(loadFolder(root, Split::Train, {{"channels", "1"}}).hasValue());
  EXPECT_EQ(cacheFiles(xdg / "loom" / "image_folder").size(), 1u);
  ::unsetenv("XDG_CACHE_HOME");
}

}  // namespace
}  // namespace loom::image_folder_test
