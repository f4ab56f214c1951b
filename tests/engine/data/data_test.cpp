// Data: IDX and CSV readers, Fashion-MNIST from Debian's dataset-fashion-mnist package,
// normalisation, deterministic shuffling/augmentation and the prefetching batch loader.
//
// Known answers come from FORMATS.md §3 (sizes, first labels, class balance, mean/std),
// which were measured on the Debian files independently of this code.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "engine/data/batch_loader.h"
#include "engine/data/csv.h"
#include "engine/data/dataset.h"
#include "engine/data/idx.h"
#include "engine/data/transforms.h"

using namespace loom;
namespace fs = std::filesystem;

namespace {

const std::string kFashion = kFashionMnistDir;

bool haveFashion() {
  return fs::exists(kFashion + "/train-labels-idx1-ubyte.gz");
}

// Fashion-MNIST is a reference the README installs: without it these tests fail, not skip.
#define REQUIRE_FASHION()                                                   \
  ASSERT_TRUE(haveFashion()) << "Fashion-MNIST is required at " << kFashion \
                             << " (packaging/install-deps.sh installs dataset-fashion-mnist)"

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/loom_data_test_XXXXXX";
    m_path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(m_path); }
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeGz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// An IDX header for `type` and `dims`.
std::string idxHeader(unsigned type, const std::vector<std::uint32_t>& dims) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (auto d : dims) s += be32(d);
  return s;
}

// A small U8 image dataset with distinct pixel patterns (n images of C x H x W).
Dataset syntheticImages(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  Dataset ds;
  ds.images = Tensor({n, c, h, w}, DType::U8);
  ds.labels = Tensor({n}, DType::I64);
  auto* px = ds.images.data<std::uint8_t>();
  for (std::int64_t i = 0; i < ds.images.numel(); ++i)
    px[i] = static_cast<std::uint8_t>(1 + (i * 37 + i / 5) % 254);
  for (std::int64_t i = 0; i < n; ++i) ds.labels.data<std::int64_t>()[i] = i % 3;
  ds.classNames = {"a", "b", "c"};
  ds.source = "synthetic";
  return ds;
}

bool sameBytes(const Tensor& a, const Tensor& b) {
  return a.dims() == b.dims() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

std::vector<std::int64_t> iota(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}

}  // namespace

// ---------------------------------------------------------------- IDX

TEST(Idx, ReadsRawAndGzipWithAllTypes) {
  TempDir dir;
  // uint8 [2, 3]
  std::string u8 = idxHeader(0x08, {2, 3}) + std::string("\x01\x02\x03\xfd\xfe\xff", 6);
  writeBytes(dir.file("u8.idx"), u8);
  writeGz(dir.file("u8.idx.gz"), u8);
  for (const char* name : {"u8.idx", "u8.idx.gz"}) {
    auto t = readIdx(dir.file(name));
    ASSERT_TRUE(t) << t.status().toString();
    EXPECT_EQ(t->dtype(), DType::U8);
    EXPECT_EQ(t->dims(), (Dims{2, 3}));
    EXPECT_EQ(t->data<std::uint8_t>()[5], 255);
  }
  // int32 big-endian [2]: -2, 65536
  writeBytes(dir.file("i32.idx"), idxHeader(0x0C, {2}) + be32(0xFFFFFFFEu) + be32(0x00010000u));
  auto i32 = readIdx(dir.file("i32.idx"));
  ASSERT_TRUE(i32) << i32.status().toString();
  EXPECT_EQ(i32->dtype(), DType::I64);
  EXPECT_EQ(i32->data<std::int64_t>()[0], -2);
  EXPECT_EQ(i32->data<std::int64_t>()[1], 65536);
  // float32 big-endian [1]: 1.5 = 0x3FC00000
  writeBytes(dir.file("f32.idx"), idxHeader(0x0D, {1}) + be32(0x3FC00000u));
  auto f32 = readIdx(dir.file("f32.idx"));
  ASSERT_TRUE(f32) << f32.status().toString();
  EXPECT_EQ(f32->f32()[0], 1.5f);
}

// idx.cpp inflates a sound single-member gzip file whole (libdeflate) and streams every other
// one through zlib: both paths must give the raw file's bytes. A file of two gzip members
// (`cat a.gz b.gz`, valid gzip) and one whose trailer's size field lies take the zlib path.
TEST(Idx, WholeAndStreamedGzipReadTheSameBytes) {
  TempDir dir;
  std::string bytes = idxHeader(0x08, {300, 7, 11});
  for (int i = 0; i < 300 * 7 * 11; ++i) bytes += static_cast<char>((i * 131 + i / 7) & 0xff);
  writeBytes(dir.file("raw.idx"), bytes);
  writeGz(dir.file("one.gz"), bytes);
  const size_t half = bytes.size() / 2;
  writeGz(dir.file("a.gz"), bytes.substr(0, half));
  writeGz(dir.file("b.gz"), bytes.substr(half));
  writeBytes(dir.file("two.gz"), readBytes(dir.file("a.gz")) + readBytes(dir.file("b.gz")));
  std::string lying = readBytes(dir.file("one.gz"));
  lying[lying.size() - 4] ^= 0x01;  // ISIZE off by one: libdeflate's exact-size check fails
  writeBytes(dir.file("lying.gz"), lying);
  auto raw = readIdx(dir.file("raw.idx"));
  ASSERT_TRUE(raw) << raw.status().toString();
  for (const char* name : {"one.gz", "two.gz"}) {
    auto t = readIdx(dir.file(name));
    ASSERT_TRUE(t) << name << ": " << t.status().toString();
    EXPECT_TRUE(sameBytes(*t, *raw)) << name;
  }
  // zlib checks ISIZE too: the lying trailer is damaged data, named as such.
  auto bad = readIdx(dir.file("lying.gz"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.status().code(), ErrorCode::DataCorrupt) << bad.status().toString();
}

TEST(Idx, FashionMnistHeadersAndFirstLabels) {
  REQUIRE_FASHION();
  auto labels = readIdx(kFashion + "/train-labels-idx1-ubyte.gz");
  ASSERT_TRUE(labels) << labels.status().toString();
  ASSERT_EQ(labels->dims(), (Dims{60000}));
  const int first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(labels->data<std::uint8_t>()[i], first[i]) << i;
  auto images = readIdx(kFashion + "/t10k-images-idx3-ubyte.gz");
  ASSERT_TRUE(images) << images.status().toString();
  EXPECT_EQ(images->dims(), (Dims{10000, 28, 28}));
}

TEST(Idx, TruncatedFilesNameExpectedAndActualBytes) {
  TempDir dir;
  // Raw: header promises 100 bytes, 60 follow.
  writeBytes(dir.file("short.idx"), idxHeader(0x08, {100}) + std::string(60, '\x07'));
  auto raw = readIdx(dir.file("short.idx"));
  ASSERT_FALSE(raw);
  EXPECT_EQ(raw.status().code(), ErrorCode::DataCorrupt);
  const std::string m = raw.status().message();
  EXPECT_NE(m.find(dir.file("short.idx")), std::string::npos) << m;
  EXPECT_NE(m.find("100"), std::string::npos) << m;
  EXPECT_NE(m.find("60"), std::string::npos) << m;

  // Gzip stream cut in the middle (a copy of the real labels file when available).
  std::string gz;
  if (haveFashion()) {
    gz = readBytes(kFashion + "/train-labels-idx1-ubyte.gz");
  } else {
    writeGz(dir.file("full.gz"), idxHeader(0x08, {60000}) + std::string(60000, '\x03'));
    gz = readBytes(dir.file("full.gz"));
  }
  writeBytes(dir.file("cut.gz"), gz.substr(0, gz.size() / 2));
  auto cut = readIdx(dir.file("cut.gz"));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.status().code(), ErrorCode::DataCorrupt) << cut.status().toString();
  EXPECT_NE(cut.status().message().find(dir.file("cut.gz")), std::string::npos);
  EXPECT_NE(cut.status().message().find("60000"), std::string::npos) << cut.status().message();

  // Trailing bytes: the dims and the payload disagree the other way.
  writeBytes(dir.file("long.idx"), idxHeader(0x08, {4}) + std::string(6, '\x01'));
  auto longer = readIdx(dir.file("long.idx"));
  ASSERT_FALSE(longer);
  EXPECT_EQ(longer.status().code(), ErrorCode::DataCorrupt);
}

TEST(Idx, BadMagicNamesTheValueRead) {
  TempDir dir;
  std::string bytes;
  if (haveFashion()) {
    auto full = readIdx(kFashion + "/train-labels-idx1-ubyte.gz");
    ASSERT_TRUE(full);
    bytes = idxHeader(0x08, {60000}) + std::string(static_cast<const char*>(full->raw()), 60000);
  } else {
    bytes = idxHeader(0x08, {10}) + std::string(10, '\x01');
  }
  bytes[0] = 0x12;
  bytes[2] = 0x42;
  writeGz(dir.file("bad.gz"), bytes);
  auto t = readIdx(dir.file("bad.gz"));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(t.status().message().find("0x12004201"), std::string::npos) << t.status().message();
  EXPECT_NE(t.status().message().find(dir.file("bad.gz")), std::string::npos);

  auto missing = readIdx(dir.file("nope.gz"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorCode::NotFound);
}

// ---------------------------------------------------------------- Fashion-MNIST

TEST(FashionMnist, LoadsBothSplitsBalanced) {
  REQUIRE_FASHION();
  auto train = loadFashionMnist("", Split::Train);
  ASSERT_TRUE(train) << train.status().toString();
  EXPECT_EQ(train->images.dims(), (Dims{60000, 1, 28, 28}));
  EXPECT_EQ(train->images.dtype(), DType::U8);
  EXPECT_EQ(train->labels.dims(), (Dims{60000}));
  EXPECT_EQ(train->labels.dtype(), DType::I64);
  ASSERT_EQ(train->classNames.size(), 10u);
  EXPECT_EQ(train->classNames[0], "T-shirt/top");
  EXPECT_EQ(train->classNames[9], "Ankle boot");
  const int first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(train->labels.data<std::int64_t>()[i], first[i]);

  auto test = loadFashionMnist(kFashion, Split::Test);
  ASSERT_TRUE(test) << test.status().toString();
  EXPECT_EQ(test->images.dims(), (Dims{10000, 1, 28, 28}));
  for (const auto& [ds, perClass] : {std::pair{&*train, 6000}, std::pair{&*test, 1000}}) {
    std::vector<int> counts(10, 0);
    for (std::int64_t i = 0; i < ds->size(); ++i) ++counts[ds->labels.data<std::int64_t>()[i]];
    for (int k = 0; k < 10; ++k) EXPECT_EQ(counts[k], perClass) << "class " << k;
  }
}

TEST(FashionMnist, MissingDirectoryAndFilesSayHowToInstall) {
  TempDir dir;
  auto missing = loadFashionMnist(dir.file("absent"), Split::Train);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.status().code(), ErrorCode::NotFound);
  const std::string m = missing.status().message();
  EXPECT_NE(m.find(dir.file("absent")), std::string::npos) << m;
  EXPECT_NE(m.find("install the Debian package dataset-fashion-mnist"), std::string::npos) << m;
  EXPECT_NE(m.find("apt-get install dataset-fashion-mnist"), std::string::npos) << m;

  auto empty = loadFashionMnist(dir.path(), Split::Test);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.status().code(), ErrorCode::NotFound);
  EXPECT_NE(empty.status().message().find("t10k-images-idx3-ubyte"), std::string::npos);
  EXPECT_NE(empty.status().message().find("apt-get install"), std::string::npos);
}

TEST(FashionMnist, CountMismatchIsDataCorrupt) {
  TempDir dir;
  writeGz(dir.file("train-images-idx3-ubyte.gz"),
          idxHeader(0x08, {3, 28, 28}) + std::string(3 * 28 * 28, '\x10'));
  writeGz(dir.file("train-labels-idx1-ubyte.gz"), idxHeader(0x08, {2}) + std::string("\x01\x02"));
  auto ds = loadFashionMnist(dir.path(), Split::Train);
  ASSERT_FALSE(ds);
  EXPECT_EQ(ds.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(ds.status().message().find("3 images"), std::string::npos) << ds.status().message();
  EXPECT_NE(ds.status().message().find("2 labels"), std::string::npos) << ds.status().message();
}

// Independent check of the loader's normalisation against the published constants.
TEST(FashionMnist, NormalisedTrainSetHasZeroMeanUnitStd) {
  REQUIRE_FASHION();
  auto train = loadFashionMnist(kFashion, Split::Train);
  ASSERT_TRUE(train);
  BatchLoaderOptions opt;
  opt.batchSize = 7000;  // 60000 = 8 * 7000 + 4000: the partial batch must be kept
  opt.shuffle = false;
  opt.dropLast = false;
  opt.normalization = Normalization::fashionMnist();
  auto loader = BatchLoader::create(*train, iota(60000), opt);
  ASSERT_TRUE(loader) << loader.status().toString();
  EXPECT_EQ((*loader)->stepsPerEpoch(), 9);
  ASSERT_TRUE((*loader)->startEpoch(0).isOk());
  double sum = 0, sq = 0;
  std::int64_t count = 0, batches = 0;
  while (auto batch = (*loader)->next()) {
    ++batches;
    for (std::int64_t i = 0; i < batch->x.numel(); ++i) {
      const double v = batch->x.f32()[i];
      sum += v;
      sq += v * v;
    }
    count += batch->x.numel();
  }
  EXPECT_EQ(batches, 9);
  EXPECT_EQ(count, 60000 * 784);
  const double mean = sum / count, std = std::sqrt(sq / count - mean * mean);
  EXPECT_NEAR(mean, 0.0, 2e-3);
  EXPECT_NEAR(std, 1.0, 2e-3);
}

// ---------------------------------------------------------------- CSV

TEST(Csv, ParsesHeaderStringLabelsAndQuotes) {
  TempDir dir;
  writeBytes(dir.file("iris.csv"),
             "sepal,petal,\"species, name\"\n"
             "5.1, 1.4 ,setosa\n"
             "\n"
             "7.0,4.7,\"versicolor\"\n"
             "6.3,-6e-1,setosa\r\n");
  CsvOptions opt;
  opt.labelName = "species, name";
  auto ds = readCsv(dir.file("iris.csv"), opt);
  ASSERT_TRUE(ds) << ds.status().toString();
  EXPECT_EQ(ds->images.dims(), (Dims{3, 2}));
  EXPECT_EQ(ds->images.f32()[1], 1.4f);
  EXPECT_EQ(ds->images.f32()[5], -0.6f);
  EXPECT_EQ(ds->classNames, (std::vector<std::string>{"setosa", "versicolor"}));
  EXPECT_EQ(ds->labels.data<std::int64_t>()[0], 0);
  EXPECT_EQ(ds->labels.data<std::int64_t>()[1], 1);
  EXPECT_EQ(ds->labels.data<std::int64_t>()[2], 0);
}

TEST(Csv, IntegerLabelsWithoutHeader) {
  TempDir dir;
  writeBytes(dir.file("d.csv"), "2,0.5,1\n0,1.5,2\n");
  CsvOptions opt;
  opt.labelIndex = 0;
  auto ds = readCsv(dir.file("d.csv"), opt);
  ASSERT_TRUE(ds) << ds.status().toString();
  EXPECT_EQ(ds->images.dims(), (Dims{2, 2}));
  EXPECT_EQ(ds->classNames.size(), 3u);
  EXPECT_EQ(ds->labels.data<std::int64_t>()[0], 2);
  EXPECT_EQ(ds->images.f32()[3], 2.0f);
}

TEST(Csv, ErrorsNameFileLineAndCell) {
  TempDir dir;
  writeBytes(dir.file("bad.csv"), "a,b,label\n1,2,x\n3,abc,y\n");
  auto ds = readCsv(dir.file("bad.csv"));
  ASSERT_FALSE(ds);
  EXPECT_EQ(ds.status().code(), ErrorCode::DataCorrupt);
  const std::string m = ds.status().message();
  EXPECT_NE(m.find(dir.file("bad.csv") + ":3"), std::string::npos) << m;
  EXPECT_NE(m.find("\"abc\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"b\""), std::string::npos) << m;

  writeBytes(dir.file("ragged.csv"), "1,2,0\n3,1\n");
  auto ragged = readCsv(dir.file("ragged.csv"));
  ASSERT_FALSE(ragged);
  EXPECT_NE(ragged.status().message().find("ragged.csv:2"), std::string::npos);

  CsvOptions opt;
  opt.labelName = "nope";
  auto named = readCsv(dir.file("bad.csv"), opt);
  ASSERT_FALSE(named);
  EXPECT_NE(named.status().message().find("\"nope\""), std::string::npos);
  EXPECT_EQ(readCsv(dir.file("absent.csv")).status().code(), ErrorCode::NotFound);
}

TEST(Csv, FeatureStandardisationKnownAnswer) {
  TempDir dir;
  writeBytes(dir.file("f.csv"), "1,10,0\n2,10,1\n3,10,0\n4,10,1\n");
  auto ds = readCsv(dir.file("f.csv"));
  ASSERT_TRUE(ds);
  auto norm = featureStandardization(*ds, iota(4));
  ASSERT_TRUE(norm);
  EXPECT_DOUBLE_EQ(norm->mean[0], 2.5);
  EXPECT_DOUBLE_EQ(norm->std[0], std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(norm->std[1], 1.0) << "a constant feature keeps std 1";
  BatchLoaderOptions opt;
  opt.batchSize = 4;
  opt.shuffle = false;
  opt.normalization = *norm;
  auto loader = BatchLoader::create(*ds, iota(4), opt);
  ASSERT_TRUE(loader);
  auto batch = (*loader)->makeBatch(0, 0);
  EXPECT_EQ(batch.x.dims(), (Dims{4, 2}));
  EXPECT_NEAR(batch.x.f32()[0], -1.5 / std::sqrt(1.25), 1e-6);
  EXPECT_EQ(batch.x.f32()[1], 0.0f);
}

// ---------------------------------------------------------------- shuffling and splits

TEST(Shuffle, PureFunctionOfSeedAndEpoch) {
  const auto a = epochPermutation(1000, 42, 3);
  EXPECT_EQ(a, epochPermutation(1000, 42, 3));
  EXPECT_NE(a, epochPermutation(1000, 42, 4));
  EXPECT_NE(a, epochPermutation(1000, 43, 3));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, iota(1000)) << "not a permutation";
  EXPECT_NE(a, iota(1000));
  // A fair shuffle moves element 0 to the first half about half the time.
  int firstHalf = 0;
  for (int e = 0; e < 400; ++e) {
    const auto p = epochPermutation(100, 7, e);
    firstHalf += std::find(p.begin(), p.end(), 0) - p.begin() < 50;
  }
  EXPECT_GT(firstHalf, 140);
  EXPECT_LT(firstHalf, 260);
}

TEST(Split, DeterministicDisjointAndComplete) {
  auto s = splitTrainValidation(1001, 0.1, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->validation.size(), 100u);
  EXPECT_EQ(s->train.size(), 901u);
  std::vector<std::int64_t> all = s->train;
  all.insert(all.end(), s->validation.begin(), s->validation.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, iota(1001));
  auto again = splitTrainValidation(1001, 0.1, 5);
  EXPECT_EQ(again->validation, s->validation);
  EXPECT_NE(splitTrainValidation(1001, 0.1, 6)->validation, s->validation);
  EXPECT_FALSE(splitTrainValidation(10, 1.0, 5));
  EXPECT_FALSE(splitTrainValidation(10, -0.1, 5));
}

// ---------------------------------------------------------------- loader

TEST(BatchLoader, ResumeAtStepKMatchesUninterruptedEpoch) {
  const Dataset ds = syntheticImages(103, 2, 6, 5);
  BatchLoaderOptions opt;
  opt.batchSize = 8;
  opt.seed = 1234;
  opt.normalization = Normalization::uniform(0.5, 0.25);
  opt.augmentation.cropPadding = 2;
  opt.augmentation.horizontalFlip = true;
  opt.prefetch = 2;
  auto full = BatchLoader::create(ds, iota(103), opt);
  ASSERT_TRUE(full) << full.status().toString();
  EXPECT_EQ((*full)->stepsPerEpoch(), 12);  // 103 / 8, last partial batch dropped
  ASSERT_TRUE((*full)->startEpoch(3).isOk());
  std::vector<Batch> reference;
  while (auto b = (*full)->next()) reference.push_back(*b);
  ASSERT_EQ(reference.size(), 12u);
  for (std::size_t i = 0; i < reference.size(); ++i) {
    EXPECT_EQ(reference[i].step, static_cast<std::int64_t>(i));
    EXPECT_EQ(reference[i].epoch, 3);
    EXPECT_EQ(reference[i].x.dims(), (Dims{8, 2, 6, 5}));
  }

  for (std::int64_t k : {0, 5, 11, 12}) {
    auto resumed = BatchLoader::create(ds, iota(103), opt);
    ASSERT_TRUE(resumed);
    ASSERT_TRUE((*resumed)->startEpoch(3, k).isOk());
    std::size_t i = static_cast<std::size_t>(k);
    while (auto b = (*resumed)->next()) {
      ASSERT_LT(i, reference.size());
      EXPECT_EQ(b->step, static_cast<std::int64_t>(i));
      EXPECT_TRUE(sameBytes(b->x, reference[i].x)) << "k=" << k << " step " << i;
      EXPECT_TRUE(sameBytes(b->y, reference[i].y)) << "k=" << k << " step " << i;
      ++i;
    }
    EXPECT_EQ(i, reference.size()) << "k=" << k;
    // The synchronous path gives the same bytes.
    if (k < 12) {
      EXPECT_TRUE(sameBytes((*resumed)->makeBatch(3, k).x, reference[k].x));
    }
  }
  // Another epoch is a different order.
  EXPECT_FALSE(sameBytes((*full)->makeBatch(4, 0).y, reference[0].y) &&
               sameBytes((*full)->makeBatch(4, 1).y, reference[1].y));
}

// Data-parallel sharding: N loaders of batch B (shards 0..N-1) together yield, step by step,
// exactly the bytes of one loader of batch N * B, concatenated in rank order.
TEST(BatchLoader, ShardsOfAGlobalStepConcatenateToTheOneProcessBatch) {
  const Dataset ds = syntheticImages(103, 2, 6, 5);
  BatchLoaderOptions opt;
  opt.batchSize = 12;
  opt.seed = 77;
  opt.normalization = Normalization::uniform(0.5, 0.25);
  opt.augmentation.cropPadding = 1;
  opt.augmentation.horizontalFlip = true;
  auto whole = BatchLoader::create(ds, iota(103), opt);
  ASSERT_TRUE(whole);
  EXPECT_EQ((*whole)->stepsPerEpoch(), 8);  // 103 / 12
  for (int n : {2, 3, 4}) {
    if (12 % n != 0) continue;
    BatchLoaderOptions part = opt;
    part.batchSize = 12 / n;
    part.shardCount = n;
    for (std::int64_t step = 0; step < 8; ++step) {
      const Batch ref = (*whole)->makeBatch(2, step);
      const std::int64_t elements = ref.x.numel() / 12;
      for (int r = 0; r < n; ++r) {
        part.shardRank = r;
        auto shard = BatchLoader::create(ds, iota(103), part);
        ASSERT_TRUE(shard) << shard.status().toString();
        EXPECT_EQ((*shard)->stepsPerEpoch(), 8) << n << " shards";
        const Batch b = (*shard)->makeBatch(2, step);
        ASSERT_EQ(b.x.dim(0), 12 / n);
        EXPECT_EQ(0,
                  std::memcmp(b.x.f32(), ref.x.f32() + r * part.batchSize * elements, b.x.bytes()))
            << n << " shards, rank " << r << ", step " << step;
        EXPECT_EQ(0, std::memcmp(b.y.data<std::int64_t>(),
                                 ref.y.data<std::int64_t>() + r * part.batchSize, b.y.bytes()));
      }
    }
  }
  BatchLoaderOptions bad = opt;
  bad.shardCount = 2;
  bad.shardRank = 2;
  EXPECT_FALSE(BatchLoader::create(ds, iota(103), bad));  // rank outside [0, 2)
  bad.shardRank = 0;
  bad.dropLast = false;
  EXPECT_FALSE(BatchLoader::create(ds, iota(103), bad));  // evaluation is never sharded
}

TEST(BatchLoader, EveryEpochSampleExactlyOnceAndEvaluationKeepsPartialBatch) {
  const Dataset ds = syntheticImages(50, 1, 4, 4);
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < 50; i += 2) indices.push_back(i);  // 25 samples
  BatchLoaderOptions opt;
  opt.batchSize = 10;
  opt.dropLast = false;
  opt.shuffle = true;
  opt.seed = 9;
  auto loader = BatchLoader::create(ds, indices, opt);
  ASSERT_TRUE(loader);
  EXPECT_EQ((*loader)->stepsPerEpoch(), 3);
  ASSERT_TRUE((*loader)->startEpoch(0).isOk());
  std::multiset<std::int64_t> seen;
  std::vector<std::int64_t> sizes;
  while (auto b = (*loader)->next()) {
    sizes.push_back(b->x.dim(0));
    // Identify each sample by its first normalised pixel (distinct per image here).
    for (std::int64_t i = 0; i < b->x.dim(0); ++i) {
      const float first = b->x.f32()[i * 16];
      for (std::int64_t s : indices)
        if (ds.images.data<std::uint8_t>()[s * 16] / 255.0f == first &&
            ds.labels.data<std::int64_t>()[s] == b->y.data<std::int64_t>()[i])
          seen.insert(s);
    }
  }
  EXPECT_EQ(sizes, (std::vector<std::int64_t>{10, 10, 5}));
  EXPECT_EQ(seen, std::multiset<std::int64_t>(indices.begin(), indices.end()));
}

// Each augmented sample must be a crop of the zero-padded image, possibly mirrored, and the
// choice must be a pure function of (seed, epoch, sample).
TEST(BatchLoader, AugmentationIsValidCropFlipAndDeterministic) {
  const std::int64_t c = 2, h = 6, w = 5, pad = 2;
  const Dataset ds = syntheticImages(40, c, h, w);
  BatchLoaderOptions opt;
  opt.batchSize = 40;
  opt.shuffle = false;
  opt.seed = 77;
  opt.augmentation.cropPadding = static_cast<int>(pad);
  opt.augmentation.horizontalFlip = true;
  auto loader = BatchLoader::create(ds, iota(40), opt);
  ASSERT_TRUE(loader);
  const Batch b = (*loader)->makeBatch(2, 0);
  std::set<std::tuple<int, int, bool>> choices;
  for (std::int64_t n = 0; n < 40; ++n) {
    const std::uint8_t* src = ds.images.data<std::uint8_t>() + n * c * h * w;
    const float* out = b.x.f32() + n * c * h * w;
    bool matched = false;
    for (int dy = -2; dy <= 2 && !matched; ++dy)
      for (int dx = -2; dx <= 2 && !matched; ++dx)
        for (bool flip : {false, true}) {
          bool ok = true;
          for (std::int64_t ch = 0; ch < c && ok; ++ch)
            for (std::int64_t y = 0; y < h && ok; ++y)
              for (std::int64_t x = 0; x < w && ok; ++x) {
                // Reference: mirror the crop, then read the padded image.
                const std::int64_t cx = flip ? w - 1 - x : x;
                const std::int64_t sy = y + dy, sx = cx + dx;
                const int pixel =
                    (sy < 0 || sy >= h || sx < 0 || sx >= w) ? 0 : src[(ch * h + sy) * w + sx];
                ok = out[(ch * h + y) * w + x] == static_cast<float>(pixel / 255.0);
              }
          if (ok) {
            matched = true;
            choices.emplace(dy, dx, flip);
            break;
          }
        }
    EXPECT_TRUE(matched) << "sample " << n << " is not a padded crop/flip of its image";
  }
  EXPECT_GT(choices.size(), 10u) << "augmentation barely varies";
  // Same key, same result; other epoch, other result; evaluation loaders do not augment
  // when the augmentation is off.
  EXPECT_TRUE(sameBytes(b.x, (*loader)->makeBatch(2, 0).x));
  EXPECT_FALSE(sameBytes(b.x, (*loader)->makeBatch(3, 0).x));
  auto again = BatchLoader::create(ds, iota(40), opt);
  ASSERT_TRUE((*again)->startEpoch(2).isOk());
  EXPECT_TRUE(sameBytes(b.x, (*again)->next()->x));
}

TEST(BatchLoader, EarlyStopRestartAndShutdownDoNotHang) {
  const Dataset ds = syntheticImages(200, 1, 8, 8);
  BatchLoaderOptions opt;
  opt.batchSize = 4;
  opt.prefetch = 2;
  for (int round = 0; round < 20; ++round) {
    auto loader = BatchLoader::create(ds, iota(200), opt);
    ASSERT_TRUE(loader);
    ASSERT_TRUE((*loader)->startEpoch(0).isOk());
    ASSERT_TRUE((*loader)->next().has_value());
    if (round % 2 == 0) {
      // Restart mid-epoch: the next batch is exactly the requested one.
      ASSERT_TRUE((*loader)->startEpoch(1, 7).isOk());
      auto b = (*loader)->next();
      ASSERT_TRUE(b);
      EXPECT_EQ(b->epoch, 1);
      EXPECT_EQ(b->step, 7);
      EXPECT_TRUE(sameBytes(b->x, (*loader)->makeBatch(1, 7).x));
    }
    if (round % 3 == 0) {
      (*loader)->stop();
      EXPECT_FALSE((*loader)->next().has_value());
    }
  }  // destructors join with batches still queued
}

TEST(BatchLoader, RejectsBadArguments) {
  const Dataset ds = syntheticImages(10, 1, 4, 4);
  BatchLoaderOptions opt;
  opt.batchSize = 16;
  auto tooBig = BatchLoader::create(ds, iota(10), opt);
  ASSERT_FALSE(tooBig);
  EXPECT_NE(tooBig.status().message().find("16"), std::string::npos);
  opt.batchSize = 2;
  EXPECT_FALSE(BatchLoader::create(ds, {0, 10}, opt));
  opt.normalization = {{0.1, 0.2}, {1.0, 1.0}};  // 2 values for 1 channel
  EXPECT_FALSE(BatchLoader::create(ds, iota(10), opt));
  opt.normalization = {};
  auto loader = BatchLoader::create(ds, iota(10), opt);
  ASSERT_TRUE(loader);
  EXPECT_FALSE((*loader)->startEpoch(0, 6).isOk());
  EXPECT_FALSE((*loader)->next().has_value()) << "no epoch started";
}
