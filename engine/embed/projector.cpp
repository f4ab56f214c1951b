// projector_config.pbtxt and the directory it describes (see projector.h).
#include "engine/embed/projector.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "engine/core/file_util.h"
#include "engine/core/memory_budget.h"
#include "engine/core/utf8.h"
#include "engine/embed/projector_config.pb.h"
#include "engine/embed/projector_detail.h"

namespace loom::embed {

namespace fs = std::filesystem;

namespace {

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (m_message.empty())
      m_message = std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& message() const { return m_message; }

 private:
  std::string m_message;
};

/// TensorBoard's default tensor_name: the tensor file's stem... it uses the path's basename;
/// a trailing ":0" (a TensorFlow output name) is stripped.
std::string entryName(const ConfigEntry& e) {
  std::string name = e.tensorName;
  if (name.empty()) name = fs::path(e.tensorPath).filename().string();
  if (name.size() > 2 && name.compare(name.size() - 2, 2, ":0") == 0) name.resize(name.size() - 2);
  return name;
}

Expected<Tensor> readBinaryTensor(const std::string& bytes, const std::vector<std::uint32_t>& shape,
                                  const std::string& source) {
  if (shape.size() != 2)
    return dataCorrupt(source + ": a raw float32 tensor needs tensor_shape [points, dims] in " +
                       kProjectorConfigFile + ", got " + std::to_string(shape.size()) + " values");
  const auto n = static_cast<std::int64_t>(shape[0]), d = static_cast<std::int64_t>(shape[1]);
  if (d < 2)
    return dataCorrupt(source + ": tensor_shape [" + std::to_string(n) + ", " + std::to_string(d) +
                       "] has fewer than 2 dimensions per point; the projector needs 2 or more");
  const auto want = checkedNumElements({n, d}, 4);
  if (!want || static_cast<std::size_t>(*want) != bytes.size())
    return dataCorrupt(source + ": tensor_shape [" + std::to_string(n) + ", " + std::to_string(d) +
                       "] needs " + std::to_string(n * d * 4) +
                       " bytes of float32 but the file has " + std::to_string(bytes.size()));
  Tensor t({n, d});
  std::memcpy(t.f32(), bytes.data(), bytes.size());
  return t;
}

/// The tensor file as TensorBoard reads it: TSV when the bytes are UTF-8, raw float32 otherwise.
Expected<Tensor> readTensorFile(const std::string& path, const ConfigEntry& e,
                                const std::string& source) {
  LOOM_ASSIGN_OR_RETURN(
      std::string bytes,
      readFile(path, static_cast<std::size_t>(std::max<std::int64_t>(memoryBudgetBytes(), 0))));
  Expected<Tensor> t = firstInvalidUtf8(bytes) ? readBinaryTensor(bytes, e.tensorShape, source)
                                               : parseTensorTsv(bytes, source);
  if (!t) return t;
  if (e.tensorShape.size() == 2 && (t->dim(0) != e.tensorShape[0] || t->dim(1) != e.tensorShape[1]))
    return dataCorrupt(source + ": the file holds " + dimsToString(t->dims()) +
                       " but tensor_shape in the config says [" + std::to_string(e.tensorShape[0]) +
                       ", " + std::to_string(e.tensorShape[1]) + "]");
  if (!e.tensorShape.empty() && e.tensorShape.size() != 2)
    return dataCorrupt(source + ": tensor_shape must be [points, dims], got " +
                       std::to_string(e.tensorShape.size()) + " values");
  return t;
}

Expected<SpriteInfo> readSpriteInfo(const std::string& path, const ConfigEntry& e,
                                    std::int64_t points, const std::string& source,
                                    std::vector<std::string>& warnings) {
  SpriteInfo s;
  s.path = path;
  if (e.spriteDim.size() != 2 || e.spriteDim[0] == 0 || e.spriteDim[1] == 0 ||
      e.spriteDim[0] > kMaxSpriteSide || e.spriteDim[1] > kMaxSpriteSide)
    return dataCorrupt(source + ": single_image_dim must be [width, height] within 1.." +
                       std::to_string(kMaxSpriteSide));
  s.cellWidth = static_cast<int>(e.spriteDim[0]);
  s.cellHeight = static_cast<int>(e.spriteDim[1]);
  LOOM_RETURN_IF_ERROR(checkRegularFile(path, "sprite"));
  std::string header(24, '\0');  // the PNG signature and IHDR: the size without decoding
  std::ifstream in(path, std::ios::binary);
  in.read(header.data(), static_cast<std::streamsize>(header.size()));
  header.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  LOOM_ASSIGN_OR_RETURN(auto size, pngSize(header, source));
  s.imageWidth = size.first;
  s.imageHeight = size.second;
  if (s.imageWidth > kMaxSpriteSide || s.imageHeight > kMaxSpriteSide)
    return dataCorrupt(source + ": sprite is " + std::to_string(s.imageWidth) + "x" +
                       std::to_string(s.imageHeight) + " px; TensorBoard allows at most " +
                       std::to_string(kMaxSpriteSide) + "x" + std::to_string(kMaxSpriteSide));
  const std::int64_t cells = static_cast<std::int64_t>(s.imageWidth / s.cellWidth) *
                             static_cast<std::int64_t>(s.imageHeight / s.cellHeight);
  if (cells < points)
    warnings.push_back(source + ": the sprite grid has " + std::to_string(cells) + " cells for " +
                       std::to_string(points) + " points; the last points have no thumbnail");
  return s;
}

Status writeText(const fs::path& path, const std::string& text) {
  return writeFileAtomically(path.string(), text);
}

}  // namespace

Expected<std::vector<ConfigEntry>> parseProjectorConfig(std::string_view text,
                                                        const std::string& source) {
  if (auto bad = firstInvalidUtf8(text))
    return Status(ErrorCode::ParseError, source + ": not UTF-8 text (invalid byte at offset " +
                                             std::to_string(*bad) + ")");
  loom::projector::ProjectorConfig config;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &config))
    return Status(ErrorCode::ParseError, source + ":" + errors.message());
  std::vector<ConfigEntry> entries;
  for (const auto& e : config.embeddings()) {
    ConfigEntry c;
    c.tensorName = e.tensor_name();
    c.tensorPath = e.tensor_path();
    c.metadataPath = e.metadata_path();
    c.tensorShape.assign(e.tensor_shape().begin(), e.tensor_shape().end());
    if (e.has_sprite()) {
      c.spritePath = e.sprite().image_path();
      c.spriteDim.assign(e.sprite().single_image_dim().begin(),
                         e.sprite().single_image_dim().end());
    }
    entries.push_back(std::move(c));
  }
  return entries;
}

Expected<ProjectorDirectory> readProjector(const std::string& dir) {
  const std::string configPath = (fs::path(dir) / kProjectorConfigFile).string();
  LOOM_RETURN_IF_ERROR(checkRegularFile(configPath, "projector config"));
  LOOM_ASSIGN_OR_RETURN(std::string text, readFile(configPath, kMaxConfigBytes));
  LOOM_ASSIGN_OR_RETURN(auto entries, parseProjectorConfig(text, configPath));
  ProjectorDirectory out;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ConfigEntry& e = entries[i];
    const std::string label = "entry " + std::to_string(i + 1);
    if (e.tensorPath.empty()) {
      out.warnings.push_back(label +
                             " has no tensor_path (a TensorFlow checkpoint variable); "
                             "skipped");
      continue;
    }
    const std::string name = entryName(e);
    if (auto it = seen.find(name); it != seen.end()) {
      out.warnings.push_back(label + " repeats tensor_name \"" + name + "\" of entry " +
                             std::to_string(it->second + 1) + "; the first is used");
      continue;
    }
    seen.emplace(name, i);
    ProjectorEmbedding emb;
    emb.name = name;
    emb.tensorPath = e.tensorPath;
    // Every path is checked before any file of the entry is opened.
    LOOM_ASSIGN_OR_RETURN(std::string tensorFile,
                          detail::resolveInside(dir, e.tensorPath, label + " tensor_path"));
    std::string metadataFile, spriteFile;
    if (!e.metadataPath.empty()) {
      LOOM_ASSIGN_OR_RETURN(metadataFile,
                            detail::resolveInside(dir, e.metadataPath, label + " metadata_path"));
    }
    if (!e.spritePath.empty()) {
      LOOM_ASSIGN_OR_RETURN(spriteFile,
                            detail::resolveInside(dir, e.spritePath, label + " sprite image_path"));
    }
    LOOM_ASSIGN_OR_RETURN(emb.values, readTensorFile(tensorFile, e, tensorFile));
    const std::int64_t points = emb.values.dim(0);
    if (!metadataFile.empty()) {
      LOOM_ASSIGN_OR_RETURN(std::string m, readFile(metadataFile, std::size_t{1} << 31));
      LOOM_ASSIGN_OR_RETURN(emb.metadata, parseMetadataTsv(m, metadataFile));
      const auto rows = static_cast<std::int64_t>(emb.metadata.rows.size());
      if (rows != points) {
        std::string hint;
        if (emb.metadata.columns.size() == 1 && rows == points + 1)
          hint =
              "; a single-column file has no header line (TensorBoard reads every line as a "
              "label), so its first line looks like a header that should not be there";
        else if (emb.metadata.columns.size() > 1 && rows + 1 == points)
          hint = "; the first line was read as the header because it has a tab";
        return dataCorrupt(metadataFile + ": " + std::to_string(rows) + " metadata rows but " +
                           tensorFile + " has " + std::to_string(points) + " points" + hint);
      }
    }
    if (!spriteFile.empty()) {
      LOOM_ASSIGN_OR_RETURN(auto s,
                            readSpriteInfo(spriteFile, e, points, spriteFile, out.warnings));
      emb.sprite = s;
    }
    out.embeddings.push_back(std::move(emb));
  }
  if (out.embeddings.empty())
    return notFound(configPath + ": no embedding with a tensor_path to read");
  return out;
}

Status writeProjector(const std::string& dir, const ProjectorContents& contents) {
  if (contents.tensors.empty()) return invalidArgument("writeProjector: no tensors to write");
  const std::int64_t points = contents.tensors.front().values.dim(0);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return ioError("cannot create the projector directory " + dir + ": " + ec.message());
  const fs::path root(dir);
  loom::projector::ProjectorConfig config;
  std::map<std::string, int> stems;
  std::string metadataName, spriteName;
  int cellW = 0, cellH = 0;
  if (!contents.metadata.empty()) {
    if (static_cast<std::int64_t>(contents.metadata.rows.size()) != points)
      return invalidArgument("metadata has " + std::to_string(contents.metadata.rows.size()) +
                             " rows for " + std::to_string(points) + " points");
    for (std::size_t r = 0; r < contents.metadata.rows.size(); ++r)
      if (contents.metadata.rows[r].size() != contents.metadata.columns.size())
        return invalidArgument("metadata row " + std::to_string(r + 1) + " has " +
                               std::to_string(contents.metadata.rows[r].size()) + " cells for " +
                               std::to_string(contents.metadata.columns.size()) + " columns");
    metadataName = "metadata.tsv";
    LOOM_RETURN_IF_ERROR(writeText(root / metadataName, formatMetadataTsv(contents.metadata)));
  }
  if (!contents.images.empty()) {
    if (contents.images.rank() < 1 || contents.images.dim(0) != points)
      return invalidArgument("sprite images " + dimsToString(contents.images.dims()) +
                             " do not match " + std::to_string(points) + " points");
    LOOM_ASSIGN_OR_RETURN(std::string png, detail::encodeSprite(contents.images, cellW, cellH));
    spriteName = "sprite.png";
    LOOM_RETURN_IF_ERROR(writeText(root / spriteName, png));
  }
  for (const auto& t : contents.tensors) {
    if (t.values.rank() != 2 || t.values.dim(1) < 2 || t.values.dtype() != DType::F32)
      return invalidArgument("tensor \"" + t.name + "\" must be F32 [points, dims >= 2], got " +
                             dimsToString(t.values.dims()));
    if (t.values.dim(0) != points)
      return invalidArgument("tensor \"" + t.name + "\" has " + std::to_string(t.values.dim(0)) +
                             " points, the first has " + std::to_string(points));
    std::string stem = detail::safeStem(t.name);
    if (int& n = stems[stem]; n++ > 0) stem += "_" + std::to_string(n);
    const std::string raw(static_cast<const char*>(t.values.raw()), t.values.bytes());
    const bool asBytes =
        contents.format == TensorFileFormat::Bytes && firstInvalidUtf8(raw).has_value();
    std::string fileName = stem + (asBytes ? ".bytes" : ".tsv");
    if (asBytes) {
      LOOM_RETURN_IF_ERROR(writeText(root / fileName, raw));
    } else {
      std::string text;
      text.reserve(t.values.bytes() * 3);
      char buf[32];
      const float* v = t.values.f32();
      for (std::int64_t i = 0; i < points; ++i) {
        for (std::int64_t j = 0; j < t.values.dim(1); ++j) {
          if (j) text += '\t';
          const int len = std::snprintf(buf, sizeof buf, "%.9g", v[i * t.values.dim(1) + j]);
          text.append(buf, static_cast<std::size_t>(len));
        }
        text += '\n';
      }
      LOOM_RETURN_IF_ERROR(writeText(root / fileName, text));
    }
    auto* e = config.add_embeddings();
    e->set_tensor_name(t.name);
    e->set_tensor_path(fileName);
    e->add_tensor_shape(static_cast<std::uint32_t>(points));
    e->add_tensor_shape(static_cast<std::uint32_t>(t.values.dim(1)));
    if (!metadataName.empty()) e->set_metadata_path(metadataName);
    if (!spriteName.empty()) {
      e->mutable_sprite()->set_image_path(spriteName);
      e->mutable_sprite()->add_single_image_dim(static_cast<std::uint32_t>(cellW));
      e->mutable_sprite()->add_single_image_dim(static_cast<std::uint32_t>(cellH));
    }
  }
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(config, &text))
    return internalError("cannot print the projector config");
  return writeText(root / kProjectorConfigFile, text);
}

}  // namespace loom::embed
