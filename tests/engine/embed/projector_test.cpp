// TensorBoard's projector layout (engine/embed/projector.h) against an independent reader and
// writer (tests/python/projector_reference.py: python protobuf with the schema written in the
// test, TensorBoard's TSV and sprite rules), the real tensorboardX directory in
// ../shared/testdata/foreign/, and hostile directories.
#include "engine/embed/projector.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "engine/core/npy.h"
#include "engine/data/dataset.h"
#include "tests/support/run_command.h"

namespace loom::embed {
namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_projector_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string reference(const std::string& args) {
  return std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
         "/tests/python/projector_reference.py " + args + " 2>&1";
}

Tensor randomTensor(std::int64_t n, std::int64_t d, std::uint64_t seed) {
  Tensor t({n, d});
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  for (std::int64_t i = 0; i < n * d; ++i) t.f32()[i] = normal(rng);
  return t;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

/// Loom writes a directory; the Python reader checks it against what Loom was given.
void checkWithPython(TensorFileFormat format, const MetadataTable& metadata,
                     const char* formatName) {
  const fs::path dir = scratch(std::string("loom_written_") + formatName);
  const fs::path expected = scratch(std::string("expected_") + formatName);
  auto test = loadFashionMnist("", Split::Test);
  ASSERT_TRUE(test.hasValue()) << test.status().message();
  const std::int64_t n = static_cast<std::int64_t>(metadata.rows.size());
  ProjectorContents c;
  c.tensors.push_back({"fc1/relu", randomTensor(n, 6, 1)});
  c.tensors.push_back({"logits", randomTensor(n, 10, 2)});
  c.metadata = metadata;
  Tensor images({n, 1, 28, 28}, DType::U8);
  std::memcpy(images.raw(), test->images.raw(), images.bytes());
  c.images = images;
  c.format = format;
  ASSERT_TRUE(writeProjector(dir.string(), c).isOk());

  Tensor asFloat({n, 28, 28});
  for (std::int64_t i = 0; i < asFloat.numel(); ++i)
    asFloat.f32()[i] = images.data<std::uint8_t>()[i];
  ASSERT_TRUE(writeNpy((expected / "images.npy").string(), asFloat).isOk());
  std::string json = "{\"tensors\": [";
  for (std::size_t t = 0; t < c.tensors.size(); ++t) {
    json += (t ? ", " : "") + jsonString(c.tensors[t].name);
    // The Python side loads <tensor_name>.npy; names with '/' need the directory.
    fs::create_directories((expected / (c.tensors[t].name + ".npy")).parent_path());
    ASSERT_TRUE(
        writeNpy((expected / (c.tensors[t].name + ".npy")).string(), c.tensors[t].values).isOk());
  }
  json += std::string("], \"format\": \"") + (format == TensorFileFormat::Tsv ? "tsv" : "bytes") +
          "\", \"columns\": [";
  for (std::size_t i = 0; i < metadata.columns.size(); ++i)
    json += (i ? ", " : "") + jsonString(metadata.columns[i]);
  json += "], \"rows\": [";
  for (std::size_t r = 0; r < metadata.rows.size(); ++r) {
    json += r ? ", [" : "[";
    for (std::size_t i = 0; i < metadata.rows[r].size(); ++i)
      json += (i ? ", " : "") + jsonString(metadata.rows[r][i]);
    json += "]";
  }
  json += "]}";
  writeText(expected / "expected.json", json);
  const auto r = test::runCommand(reference("check " + dir.string() + " " + expected.string()));
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("ok 2 embeddings"), std::string::npos) << r.out;

  // And Loom reads its own directory back to the same values.
  auto back = readProjector(dir.string());
  ASSERT_TRUE(back.hasValue()) << back.status().message();
  ASSERT_EQ(back->embeddings.size(), 2u);
  for (std::size_t t = 0; t < 2; ++t) {
    EXPECT_EQ(back->embeddings[t].name, c.tensors[t].name);
    EXPECT_EQ(maxRelativeDifference(back->embeddings[t].values, c.tensors[t].values), 0.0);
    EXPECT_EQ(back->embeddings[t].metadata.columns, metadata.columns);
    EXPECT_EQ(back->embeddings[t].metadata.rows, metadata.rows);
    ASSERT_TRUE(back->embeddings[t].sprite.has_value());
    EXPECT_EQ(back->embeddings[t].sprite->cellWidth, 28);
  }
}

MetadataTable twoColumns(std::int64_t n) {
  MetadataTable m;
  m.columns = {"label", "index"};
  for (std::int64_t i = 0; i < n; ++i)
    m.rows.push_back(
        {fashionMnistClassNames()[static_cast<std::size_t>(i % 10)], std::to_string(i)});
  return m;
}

TEST(Projector, PythonReadsLoomDirectoryWithRawFloat32) {
  checkWithPython(TensorFileFormat::Bytes, twoColumns(50), "bytes");
}

TEST(Projector, PythonReadsLoomDirectoryWithTsvAndSingleColumnMetadata) {
  MetadataTable m;
  m.columns = {"label"};
  for (int i = 0; i < 30; ++i) m.rows.push_back({"class " + std::to_string(i % 3)});
  checkWithPython(TensorFileFormat::Tsv, m, "tsv");
}

TEST(Projector, SingleColumnMetadataHasNoHeaderAndNoBlankLabels) {
  const fs::path dir = scratch("single");
  ProjectorContents c;
  c.tensors.push_back({"t", randomTensor(3, 2, 3)});
  c.metadata.columns = {"label"};
  c.metadata.rows = {{"a\tb"}, {""}, {"c"}};
  ASSERT_TRUE(writeProjector(dir.string(), c).isOk());
  std::ifstream in(dir / "metadata.tsv");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "a b\nunknown\nc\n");
}

TEST(Projector, ZeroTensorIsWrittenAsTsvBecauseTensorBoardWouldParseItsBytesAsText) {
  const fs::path dir = scratch("zeros");
  ProjectorContents c;
  c.tensors.push_back({"zeros", Tensor({4, 3})});  // all-zero bytes are valid UTF-8
  ASSERT_TRUE(writeProjector(dir.string(), c).isOk());
  EXPECT_TRUE(fs::exists(dir / "zeros.tsv"));
  EXPECT_FALSE(fs::exists(dir / "zeros.bytes"));
}

TEST(Projector, LoomReadsDirectoryWrittenByTheIndependentWriter) {
  const fs::path dir = scratch("python_written");
  const auto r = test::runCommand(reference("write " + dir.string()));
  ASSERT_EQ(r.rc, 0) << r.out;
  auto p = readProjector(dir.string());
  ASSERT_TRUE(p.hasValue()) << p.status().message();
  ASSERT_EQ(p->embeddings.size(), 2u);
  auto a = readNpy((dir / "alpha.expected.npy").string());
  auto b = readNpy((dir / "b.expected.npy").string());
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  EXPECT_EQ(p->embeddings[0].name, "alpha");
  EXPECT_EQ(maxRelativeDifference(p->embeddings[0].values, *a), 0.0);
  EXPECT_EQ(p->embeddings[0].metadata.columns, std::vector<std::string>{"label"});
  ASSERT_EQ(p->embeddings[0].metadata.rows.size(), 37u);
  EXPECT_EQ(p->embeddings[0].metadata.rows[5][0], "class 1");
  ASSERT_TRUE(p->embeddings[0].sprite.has_value());
  EXPECT_EQ(p->embeddings[0].sprite->imageWidth, 84);
  EXPECT_EQ(p->embeddings[0].sprite->cellWidth, 12);
  EXPECT_EQ(p->embeddings[1].name, "b.bytes");  // TensorBoard's default: the file name
  EXPECT_EQ(maxRelativeDifference(p->embeddings[1].values, *b), 0.0);
  EXPECT_EQ(p->embeddings[1].metadata.columns, (std::vector<std::string>{"name", "index"}));
  EXPECT_EQ(p->embeddings[1].metadata.rows[36], (std::vector<std::string>{"p36", "36"}));
}

TEST(Projector, ReadsTheRealTensorboardXDirectory) {
  const fs::path dir =
      fs::path(LOOM_FOREIGN_TESTDATA) / "projector-tensorboardX1.x-mnist-7-embeddings/logs";
  ASSERT_TRUE(fs::exists(dir)) << "the foreign test data is absent: " << dir
                               << " (a clone without ../shared cannot run this test)";
  auto p = readProjector(dir.string());
  ASSERT_TRUE(p.hasValue()) << p.status().message();
  ASSERT_EQ(p->embeddings.size(), 7u);  // 14 entries, the second 7 repeat the first
  EXPECT_EQ(p->warnings.size(), 7u);
  EXPECT_NE(p->warnings[0].find("repeats tensor_name \"default:00001\" of entry 1"),
            std::string::npos)
      << p->warnings[0];
  for (const auto& e : p->embeddings) {
    EXPECT_EQ(e.values.dims(), (Dims{256, 11})) << e.name;
    EXPECT_EQ(e.metadata.columns, std::vector<std::string>{"label"});
    ASSERT_EQ(e.metadata.rows.size(), 256u);
    EXPECT_EQ(e.metadata.rows[0][0].rfind("tensor(", 0), 0u) << e.metadata.rows[0][0];
    ASSERT_TRUE(e.sprite.has_value());
    EXPECT_EQ(e.sprite->imageWidth, 448);
    EXPECT_EQ(e.sprite->imageHeight, 448);
    EXPECT_EQ(e.sprite->cellWidth, 28);
  }
  EXPECT_EQ(p->embeddings[0].metadata.rows[0][0], "tensor(7)");
  EXPECT_FLOAT_EQ(p->embeddings[0].values.f32()[10], 1.0f);
}

// --- hostile directories ---

struct Hostile {
  const char* name;
  std::string config;
  std::function<void(const fs::path& dir)> files;
  ErrorCode code;
  std::string message;  // a substring the message must contain
};

const char* kGoodTensor = "1\t2\n3\t4\n5\t6\n";

std::string entry(const std::string& fields) {
  return "embeddings {\n" + fields + "\n}\n";
}

std::string pngHeader(std::uint32_t w, std::uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  for (std::uint32_t v : {w, h})
    for (int i = 3; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s + std::string(5, '\0');
}

TEST(Projector, HostileDirectoriesGetClearMessagesAndNothingOutsideIsRead) {
  const std::vector<Hostile> cases = {
      {"dotdot", entry("tensor_path: \"../outside.tsv\""), nullptr, ErrorCode::InvalidArgument,
       "tensor_path \"../outside.tsv\""},
      {"dotdot_deep", entry("tensor_path: \"sub/../../outside.tsv\""), nullptr,
       ErrorCode::InvalidArgument, "leaves the directory"},
      {"absolute", entry("tensor_path: \"/etc/passwd\""), nullptr, ErrorCode::InvalidArgument,
       "is an absolute path outside"},
      {"symlink", entry("tensor_path: \"link.tsv\""),
       [](const fs::path& d) {
         fs::create_symlink(d.parent_path() / "outside.tsv", d / "link.tsv");
       },
       ErrorCode::InvalidArgument, "resolves through a symlink"},
      {"metadata_escape", entry("tensor_path: \"t.tsv\" metadata_path: \"../outside.tsv\""),
       [](const fs::path& d) { writeText(d / "t.tsv", kGoodTensor); }, ErrorCode::InvalidArgument,
       "metadata_path \"../outside.tsv\""},
      {"sprite_escape",
       entry("tensor_path: \"t.tsv\" sprite { image_path: \"/tmp/x.png\" single_image_dim: 2 "
             "single_image_dim: 2 }"),
       [](const fs::path& d) { writeText(d / "t.tsv", kGoodTensor); }, ErrorCode::InvalidArgument,
       "sprite image_path \"/tmp/x.png\""},
      {"ragged", entry("tensor_path: \"t.tsv\""),
       [](const fs::path& d) { writeText(d / "t.tsv", "1\t2\n3\t4\t5\n"); }, ErrorCode::DataCorrupt,
       "t.tsv:2: row has 3 values but the first row has 2 (ragged TSV)"},
      {"ragged_metadata", entry("tensor_path: \"t.tsv\" metadata_path: \"m.tsv\""),
       [](const fs::path& d) {
         writeText(d / "t.tsv", kGoodTensor);
         writeText(d / "m.tsv", "a\tb\n1\t2\n3\n4\t5\n");
       },
       ErrorCode::DataCorrupt, "m.tsv:3: row has 1 columns but the header has 2"},
      {"metadata_count", entry("tensor_path: \"t.tsv\" metadata_path: \"m.tsv\""),
       [](const fs::path& d) {
         writeText(d / "t.tsv", kGoodTensor);
         writeText(d / "m.tsv", "a\nb\n");
       },
       ErrorCode::DataCorrupt, "2 metadata rows but"},
      {"single_column_header", entry("tensor_path: \"t.tsv\" metadata_path: \"m.tsv\""),
       [](const fs::path& d) {
         writeText(d / "t.tsv", kGoodTensor);
         writeText(d / "m.tsv", "label\na\nb\nc\n");
       },
       ErrorCode::DataCorrupt, "a single-column file has no header line"},
      {"one_dimension", entry("tensor_path: \"t.tsv\""),
       [](const fs::path& d) { writeText(d / "t.tsv", "1\n2\n3\n"); }, ErrorCode::DataCorrupt,
       "needs at least 2 dimensions per point"},
      {"one_dimension_bytes", entry("tensor_path: \"t.bytes\" tensor_shape: 2 tensor_shape: 1"),
       [](const fs::path& d) {
         writeText(d / "t.bytes", std::string("\x00\x00\x80\xbf\x00\x00\x80\xbf", 8));
       },
       ErrorCode::DataCorrupt, "fewer than 2 dimensions per point"},
      {"bytes_size", entry("tensor_path: \"t.bytes\" tensor_shape: 3 tensor_shape: 2"),
       [](const fs::path& d) { writeText(d / "t.bytes", std::string("\x00\x00\x80\xbf", 4)); },
       ErrorCode::DataCorrupt, "needs 24 bytes of float32 but the file has 4"},
      {"oversize_sprite",
       entry("tensor_path: \"t.tsv\" sprite { image_path: \"s.png\" single_image_dim: 28 "
             "single_image_dim: 28 }"),
       [](const fs::path& d) {
         writeText(d / "t.tsv", kGoodTensor);
         writeText(d / "s.png", pngHeader(9000, 100));
       },
       ErrorCode::DataCorrupt, "sprite is 9000x100 px; TensorBoard allows at most 8192x8192"},
      {"not_a_number", entry("tensor_path: \"t.tsv\""),
       [](const fs::path& d) { writeText(d / "t.tsv", "1\t2\n3\tx4\n"); }, ErrorCode::DataCorrupt,
       "t.tsv:2: column 2 is not a number: \"x4\""},
      {"parse_error", "embeddings { tensor_path: \"t.tsv\" \n bogus_field: 3 }\n", nullptr,
       ErrorCode::ParseError, "projector_config.pbtxt:2:"},
      {"fifo", entry("tensor_path: \"f.tsv\""),
       [](const fs::path& d) { ::mkfifo((d / "f.tsv").c_str(), 0600); }, ErrorCode::IoError,
       "FIFO"},
  };
  for (const auto& c : cases) {
    const fs::path root = scratch(std::string("hostile_") + c.name);
    // A valid tensor file just outside: reading it would make the read succeed.
    writeText(root / "outside.tsv", kGoodTensor);
    const fs::path dir = root / "projector";
    fs::create_directories(dir);
    writeText(dir / kProjectorConfigFile, c.config);
    if (c.files) c.files(dir);
    auto r = readProjector(dir.string());
    ASSERT_FALSE(r.hasValue()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace loom::embed
