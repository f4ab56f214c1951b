// TensorBoard's projector layout: write it so TensorBoard's Embedding Projector opens it
// unchanged, and read it back, including directories other tools wrote (FORMATS.md §1.8).
//
// A projector directory holds `projector_config.pbtxt` (text format of ProjectorConfig,
// engine/embed/projector_config.proto) and the files its entries name: a tensor per entry
// (raw little-endian float32 `.bytes` with `tensor_shape`, or TSV), a `metadata.tsv` (a header
// line iff it has more than one column) and a sprite PNG (a row-major grid of thumbnails, at
// most 8192 x 8192 pixels).
//
// Reading treats the directory as hostile: every path in the config must resolve inside the
// directory (absolute paths elsewhere, `..` escapes and symlinks leading out are refused
// before anything is opened); only regular files are read, each within a size limit; TSV rows
// must be rectangular; the metadata's row count must equal the tensor's; a tensor needs at
// least 2 dimensions per point; a sprite larger than 8192 x 8192 is refused from its PNG header
// without decoding it. Every message names the file (and line) and the values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom::embed {

/// The config's file name, as TensorBoard looks for it.
inline constexpr const char* kProjectorConfigFile = "projector_config.pbtxt";
/// TensorBoard's MAX_SPRITE_IMAGE_SIZE_PX: the largest sprite width and height.
inline constexpr int kMaxSpriteSide = 8192;
/// The largest config file read (a real one is a few kilobytes).
inline constexpr std::size_t kMaxConfigBytes = std::size_t{16} << 20;

/// Columns of metadata per point. One column is written without a header (TensorBoard's
/// rule); several with one.
struct MetadataTable {
  std::vector<std::string> columns;            ///< column names (one column: "label")
  std::vector<std::vector<std::string>> rows;  ///< rows[point][column]
  bool empty() const { return columns.empty(); }
};

/// A sprite as a config entry describes it.
struct SpriteInfo {
  std::string path;  ///< absolute path, checked to lie inside the directory
  int cellWidth = 0, cellHeight = 0;
  int imageWidth = 0, imageHeight = 0;  ///< from the PNG header
};

/// One entry of a projector directory, as read.
struct ProjectorEmbedding {
  std::string name;        ///< tensor_name (TensorBoard's default: the tensor file's stem)
  std::string tensorPath;  ///< as written in the config
  Tensor values;           ///< F32 [points, dims], dims >= 2
  MetadataTable metadata;  ///< empty when the entry has none
  std::optional<SpriteInfo> sprite;
};

struct ProjectorDirectory {
  std::vector<ProjectorEmbedding> embeddings;
  /// Things a reader should know but that do not stop the read ("entry 8 repeats
  /// tensor_name \"default:00001\" of entry 1; the first is used", as TensorBoard does).
  std::vector<std::string> warnings;
};

/// Reads the projector directory `dir`. Entries without a tensor_path (TensorFlow checkpoint
/// variables) are skipped with a warning. NotFound without a config; ParseError for a config
/// that does not parse (file:line:column); InvalidArgument for a path that leaves the
/// directory; DataCorrupt for a malformed or inconsistent tensor, metadata or sprite.
Expected<ProjectorDirectory> readProjector(const std::string& dir);

/// How a tensor is stored.
enum class TensorFileFormat {
  Bytes,  ///< raw float32 with tensor_shape (small, exact); TSV when the bytes happen to be
          ///< valid UTF-8, because TensorBoard then parses the file as TSV
  Tsv,    ///< text, 9 significant digits (round-trips float32)
};

/// One projection or activation set to write; all tensors of a write share the points.
struct TensorToWrite {
  std::string name;  ///< tensor_name; also the file stem after replacing unsafe characters
  Tensor values;     ///< F32 [points, dims], dims >= 2
};

struct ProjectorContents {
  std::vector<TensorToWrite> tensors;
  MetadataTable metadata;  ///< optional; rows == points
  /// Optional thumbnails: U8 or F32 (0..1) [points, C, H, W] with C 1 or 3. Written as one
  /// sprite shared by every entry, scaled down when the grid would exceed 8192 px.
  Tensor images;
  TensorFileFormat format = TensorFileFormat::Bytes;
};

/// Writes `contents` into `dir` (created if missing): `<stem>.bytes|.tsv` per tensor,
/// `metadata.tsv`, `sprite.png` and the config, each file atomically. Tabs and line breaks in
/// metadata cells become spaces; an empty single-column label becomes "unknown" (TensorBoard
/// skips blank lines, which would shift every later label).
Status writeProjector(const std::string& dir, const ProjectorContents& contents);

// --- the parsers underneath (exposed for the fuzz target and tests) ---

/// Parses the text of a projector config. ParseError names `source`, line and column.
struct ConfigEntry {
  std::string tensorName, tensorPath, metadataPath, spritePath;
  std::vector<std::uint32_t> tensorShape, spriteDim;
};
Expected<std::vector<ConfigEntry>> parseProjectorConfig(std::string_view text,
                                                        const std::string& source);
/// Float rows of a tensor TSV (blank lines skipped; every row the same width).
Expected<Tensor> parseTensorTsv(std::string_view text, const std::string& source);
/// A metadata TSV by TensorBoard's header rule (header iff the first non-blank line has a tab).
Expected<MetadataTable> parseMetadataTsv(std::string_view text, const std::string& source);
/// The TSV text of `table`.
std::string formatMetadataTsv(const MetadataTable& table);
/// Width and height from a PNG's IHDR chunk (the first 24 bytes), without decoding.
Expected<std::pair<int, int>> pngSize(std::string_view header, const std::string& source);

}  // namespace loom::embed
