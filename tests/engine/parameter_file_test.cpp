// Parameter files (engine/graph/parameter_file.h, docs/formats.md#parameter-files): a saved
// model's parameters round-trip bit for bit through the binary file beside it; a re-save
// replaces only the file the old text referenced; every kind of damage or hostile reference is
// refused with a message that names the files. The bytes are also read by an independent
// Python reader (tests/python/check_parameter_file.py, ctest cli_parameter_file_*).
#include "engine/graph/parameter_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/core/crc32c.h"
#include "engine/core/file_util.h"
#include "engine/graph/model.h"
#include "tests/support/tiny_models.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

class ParameterFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = fs::temp_directory_path() / ("loom_params_test_" + std::to_string(::getpid()));
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
    auto parsed = parseModel(test::tinyModel("tiny", test::tinyMlpGraph(16), ""), "tiny.loom");
    ASSERT_TRUE(parsed) << parsed.status().message();
    m_model = std::move(*parsed);
    fill(7);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  // Random values, including the awkward ones (negative zero, subnormals, large magnitudes):
  // the round trip must keep every bit.
  void fill(unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.f, 1.f);
    auto make = [&](Dims dims) {
      Tensor t(dims);
      for (std::int64_t i = 0; i < t.numel(); ++i) t.f32()[i] = normal(rng);
      return t;
    };
    m_model.parameters["hidden.weights"] = make({16, 784});
    m_model.parameters["hidden.bias"] = make({16});
    m_model.parameters["logits.weights"] = make({10, 16});
    m_model.parameters["logits.bias"] = make({10});
    m_model.parameters["logits.bias"].f32()[0] = -0.0f;
    m_model.parameters["logits.bias"].f32()[1] = 1e-40f;
    m_model.parameters["logits.bias"].f32()[2] = 3e38f;
  }
  std::string path(const std::string& name) const { return (m_dir / name).string(); }
  std::string sidecarOf(const std::string& modelName) const {
    for (const auto& e : fs::directory_iterator(m_dir)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(modelName + ".", 0) == 0 && n.size() > 7 && n.substr(n.size() - 7) == ".params")
        return e.path().string();
    }
    return "";
  }
  int sidecarCount() const {
    int n = 0;
    for (const auto& e : fs::directory_iterator(m_dir))
      n += e.path().extension() == ".params" ? 1 : 0;
    return n;
  }
  static void writeBytes(const std::string& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
  }
  // Replaces the text's parameter_file reference (path, bytes, crc32c).
  void rewriteReference(const std::string& model, const std::string& newPath, std::uint64_t bytes,
                        std::uint32_t crc) {
    std::string text = *readFile(path(model));
    const auto at = text.find("parameter_file {");
    ASSERT_NE(at, std::string::npos);
    text = text.substr(0, at) + "parameter_file { path: \"" + newPath +
           "\" bytes: " + std::to_string(bytes) + " crc32c: " + std::to_string(crc) + " }\n";
    writeBytes(path(model), text);
  }
  // Patches `bytes` at `offset` and reseals both the trailer and the text's CRC, so only the
  // patched field can be what the loader objects to.
  void patchAndReseal(const std::string& model, std::size_t offset, const std::string& patch) {
    const std::string sidecar = sidecarOf(model);
    std::string bytes = *readFile(sidecar);
    bytes.replace(offset, patch.size(), patch);
    const std::uint32_t crc = crc32c(bytes.data(), bytes.size() - 4);
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
    writeBytes(sidecar, bytes);
    rewriteReference(model, fs::path(sidecar).filename().string(), bytes.size(), crc);
  }
  Status loadError(const std::string& model) {
    auto loaded = loadModel(path(model));
    EXPECT_FALSE(loaded) << "the damaged model loaded";
    return loaded ? Status::ok() : loaded.status();
  }

  fs::path m_dir;
  Model m_model;
};

TEST_F(ParameterFileTest, SaveWritesASmallTextAndABinaryFileThatLoadBitExact) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string text = *readFile(path("m.loom"));
  EXPECT_EQ(text.find("values"), std::string::npos) << "parameters were written as text";
  EXPECT_NE(text.find("format_version: 3"), std::string::npos);
  const std::string sidecar = sidecarOf("m.loom");
  ASSERT_FALSE(sidecar.empty());
  EXPECT_EQ(sidecarCount(), 1);
  // Named after the model file and the CRC of its bytes, which the text repeats.
  const std::string bytes = *readFile(sidecar);
  const std::uint32_t crc = crc32c(bytes.data(), bytes.size() - 4);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc);
  EXPECT_EQ(fs::path(sidecar).filename().string(), std::string("m.loom.") + hex + ".params");
  EXPECT_NE(text.find("crc32c: " + std::to_string(crc)), std::string::npos) << text;
  EXPECT_LT(text.size(), 4096u);

  auto back = loadModel(path("m.loom"));
  ASSERT_TRUE(back) << back.status().message();
  ASSERT_EQ(back->parameters.size(), m_model.parameters.size());
  for (const auto& [name, t] : m_model.parameters) {
    const Tensor& u = back->parameters.at(name);
    ASSERT_EQ(u.dims(), t.dims()) << name;
    EXPECT_EQ(std::memcmp(u.raw(), t.raw(), t.bytes()), 0) << name << " changed on the way";
  }
  EXPECT_EQ(back->graph, m_model.graph);
}

TEST_F(ParameterFileTest, TheSameParametersSaveToTheSameBytes) {
  ASSERT_TRUE(saveModel(m_model, path("a.loom")));
  ASSERT_TRUE(saveModel(m_model, path("a.loom")));  // the same name: rewritten, not removed
  EXPECT_EQ(sidecarCount(), 1);
  ASSERT_TRUE(loadModel(path("a.loom")));
  ASSERT_TRUE(saveModel(m_model, path("b.loom")));
  EXPECT_EQ(*readFile(sidecarOf("a.loom")), *readFile(sidecarOf("b.loom")));
}

TEST_F(ParameterFileTest, AResaveRemovesOnlyTheFileTheOldTextReferenced) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string first = sidecarOf("m.loom");
  writeBytes(path("m.loom.0badf00d.params"), "someone else's file");  // matches a pattern
  fill(8);
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  EXPECT_FALSE(fs::exists(first)) << "the replaced parameter file was left behind";
  EXPECT_TRUE(fs::exists(path("m.loom.0badf00d.params"))) << "an unrelated file was removed";
  auto back = loadModel(path("m.loom"));
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(back->parameters.at("hidden.bias").f32()[3],
            m_model.parameters["hidden.bias"].f32()[3]);
}

TEST_F(ParameterFileTest, AModelWithoutParametersIsTextOnly) {
  m_model.parameters.clear();
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  EXPECT_EQ(sidecarCount(), 0);
  EXPECT_EQ(readFile(path("m.loom"))->find("parameter_file"), std::string::npos);
  ASSERT_TRUE(saveModel(m_model, path("w.loom"), /*withParameters=*/false));
  EXPECT_EQ(sidecarCount(), 0);
}

TEST_F(ParameterFileTest, TextParametersOfVersion2FilesStillLoad) {
  const std::string text = serializeModel(m_model);  // parameters inline, as before format 3
  writeBytes(path("old.loom"), text);
  auto back = loadModel(path("old.loom"));
  ASSERT_TRUE(back) << back.status().message();
  EXPECT_EQ(std::memcmp(back->parameters.at("hidden.weights").raw(),
                        m_model.parameters.at("hidden.weights").raw(),
                        m_model.parameters.at("hidden.weights").bytes()),
            0);
}

TEST_F(ParameterFileTest, AMissingFileIsNamedWithItsModel) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string sidecar = sidecarOf("m.loom");
  fs::remove(sidecar);
  const Status s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::NotFound);
  EXPECT_NE(s.message().find(sidecar), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(path("m.loom")), std::string::npos) << s.message();
}

TEST_F(ParameterFileTest, ReferencesOutsideTheModelsDirectoryAreRefusedUnread) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string sidecar = sidecarOf("m.loom");
  const std::string bytes = *readFile(sidecar);
  std::uint32_t crc = 0;
  std::memcpy(&crc, bytes.data() + bytes.size() - 4, 4);
  // A valid file does lie at each of these places: only the refusal keeps it from being read.
  fs::create_directories(m_dir / "sub");
  writeBytes(path("sub/p.params"), bytes);
  writeBytes((m_dir.parent_path() / "loom_params_outside.params").string(), bytes);
  for (const std::string ref :
       {std::string("../loom_params_outside.params"), (m_dir / "sub/p.params").string(),
        std::string("sub/p.params"), std::string(".."), std::string("")}) {
    rewriteReference("m.loom", ref, bytes.size(), crc);
    const Status s = loadError("m.loom");
    EXPECT_EQ(s.code(), ErrorCode::InvalidArgument) << ref << ": " << s.message();
    EXPECT_NE(s.message().find("parameter_file.path"), std::string::npos) << s.message();
  }
  fs::remove(m_dir.parent_path() / "loom_params_outside.params");
  fs::create_symlink(m_dir / "sub/p.params", m_dir / "link.params");
  rewriteReference("m.loom", "link.params", bytes.size(), crc);
  const Status s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::InvalidArgument) << s.message();
  EXPECT_NE(s.message().find("symbolic link"), std::string::npos) << s.message();
}

TEST_F(ParameterFileTest, DamageIsReportedAsSuch) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string sidecar = sidecarOf("m.loom");
  const std::string good = *readFile(sidecar);

  writeBytes(sidecar, good.substr(0, good.size() / 2));  // truncated
  Status s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::DataCorrupt);
  EXPECT_NE(s.message().find("bytes, the model file says " + std::to_string(good.size())),
            std::string::npos)
      << s.message();

  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x10;  // one bit in a value
  writeBytes(sidecar, flipped);
  s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::DataCorrupt);
  EXPECT_NE(s.message().find("fails its CRC-32C check"), std::string::npos) << s.message();

  const std::string junk = "not a parameter file at all, but long enough to have a header";
  writeBytes(sidecar, junk);
  rewriteReference("m.loom", fs::path(sidecar).filename().string(), junk.size(), 0);
  s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::DataCorrupt);
  EXPECT_NE(s.message().find("bad magic"), std::string::npos) << s.message();
}

TEST_F(ParameterFileTest, AnIntactFileOfAnotherSaveIsNotTaken) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string sidecar = sidecarOf("m.loom");
  fill(9);
  ASSERT_TRUE(saveModel(m_model, path("other.loom")));
  fs::copy_file(sidecarOf("other.loom"), sidecar, fs::copy_options::overwrite_existing);
  const Status s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::ModelMismatch) << s.message();
  EXPECT_NE(s.message().find("not the file this model was saved with"), std::string::npos)
      << s.message();
}

TEST_F(ParameterFileTest, FieldsBehindTheDigestAreChecked) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::uint32_t newer = kParameterFileFormatVersion + 1;
  patchAndReseal("m.loom", 8, std::string(reinterpret_cast<const char*>(&newer), 4));
  Status s = loadError("m.loom");
  EXPECT_EQ(s.code(), ErrorCode::Unsupported) << s.message();
  EXPECT_NE(s.message().find("format version " + std::to_string(newer)), std::string::npos);

  ASSERT_TRUE(saveModel(m_model, path("m2.loom")));
  const std::uint64_t claimed = 1ull << 40;
  patchAndReseal("m2.loom", 12, std::string(reinterpret_cast<const char*>(&claimed), 8));
  s = loadError("m2.loom");
  EXPECT_EQ(s.code(), ErrorCode::DataCorrupt) << s.message();
  EXPECT_NE(s.message().find("claims a 1099511627776-byte payload"), std::string::npos)
      << s.message();
}

TEST_F(ParameterFileTest, DimsThatDisagreeWithTheValuesAreRefused) {
  // A hand-made payload: one tensor claiming [1000, 1000] with 3 values.
  pb::ParameterSet set;
  auto* t = set.add_parameter();
  t->set_name("logits.bias");
  t->add_dims(1000);
  t->add_dims(1000);
  for (float v : {1.f, 2.f, 3.f}) t->add_values(v);
  const std::string payload = set.SerializeAsString();
  std::string bytes = "LOOMPRMS";
  const std::uint32_t version = 1;
  const std::uint64_t size = payload.size();
  bytes.append(reinterpret_cast<const char*>(&version), 4);
  bytes.append(reinterpret_cast<const char*>(&size), 8);
  bytes += payload;
  const std::uint32_t crc = crc32c(bytes.data(), bytes.size());
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  auto decoded = decodeParameterFile(bytes, "hand.params", nullptr);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.status().code(), ErrorCode::DataCorrupt);
  EXPECT_NE(decoded.status().message().find("\"logits.bias\" has dims [1000, 1000] but 3 values"),
            std::string::npos)
      << decoded.status().message();
}

TEST_F(ParameterFileTest, TextWithBothFormsOrAReferenceWithoutAFileIsRefused) {
  ASSERT_TRUE(saveModel(m_model, path("m.loom")));
  const std::string text = *readFile(path("m.loom"));
  auto parsed = parseModel(text, "pasted");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.status().code(), ErrorCode::InvalidArgument);
  EXPECT_NE(parsed.status().message().find("was not read from a file"), std::string::npos);

  writeBytes(path("both.loom"), text + "parameter { name: \"logits.bias\" dims: 1 values: 0.5 }\n");
  const Status s = loadError("both.loom");
  EXPECT_EQ(s.code(), ErrorCode::ParseError);
  EXPECT_NE(s.message().find("both parameter blocks and a parameter_file"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace loom
