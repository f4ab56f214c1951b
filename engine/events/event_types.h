// What an event file holds, as plain data (no protobuf, no Qt): the values Loom's reader
// decodes from tensorboard.Event records (docs/events.md lists the forms each comes in) and
// the writer's inputs. Shared by EventWriter, EventFileReader and LogDirReader.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace loom::events {

/// A histogram as TensorBoard stores it (HistogramProto, FORMATS.md §1.6): bucket i spans
/// (limits[i-1], limits[i]] with the first bucket starting at -DBL_MAX; counts[i] samples.
struct Histogram {
  double min = 0, max = 0;
  double num = 0;  ///< number of samples (sum of counts)
  double sum = 0, sumSquares = 0;
  std::vector<double> limits;  ///< right edges, ascending
  std::vector<double> counts;  ///< same size as limits
};

/// One encoded image (PNG from Loom; PNG or JPEG from other writers), not decoded.
struct Image {
  int width = 0, height = 0;
  int colorspace = 0;   ///< 1 gray, 3 RGB, 4 RGBA (0: unknown, e.g. tensor-form images)
  std::string encoded;  ///< the file bytes
};

/// A hyperparameter value (the hparams plugin allows numbers, strings and booleans).
using HParamValue = std::variant<double, std::string, bool>;

/// The hparams plugin's session records of a run.
struct HParams {
  std::map<std::string, HParamValue> values;  ///< SessionStartInfo.hparams
  std::string groupName;
  double startTime = 0;  ///< seconds since the epoch (0: absent)
  /// SessionEndInfo.status: "" (no end record yet), "unknown", "success", "failure", "running".
  std::string endStatus;
  double endTime = 0;
};

/// The kind of a tag, decided by the first value of the tag (its plugin name, or the legacy
/// oneof case when there is no metadata).
enum class TagKind { Scalar, Histogram, Image, Text, HParams, Other };
/// "scalars", "histograms", "images", "text", "hparams", "other" (the plugin names TensorBoard
/// uses; `loom runs` prints these).
const char* tagKindName(TagKind kind);

/// One Summary.Value, decoded.
struct SummaryValue {
  std::string tag;
  TagKind kind = TagKind::Other;
  std::string plugin;         ///< plugin name from metadata ("" when absent)
  double scalar = 0;          ///< Scalar
  Histogram histogram;        ///< Histogram
  std::vector<Image> images;  ///< Image (tensor-form image summaries hold several)
  std::string text;           ///< Text (string tensors: elements joined by "\n")
  HParams hparams;            ///< HParams: the part this record carries (start or end)
};

/// One Event record, decoded.
struct DecodedEvent {
  double wallTime = 0;
  std::int64_t step = 0;
  std::string fileVersion;  ///< set only on the file_version record
  /// Set when the event is something Loom does not show (graph_def, run metadata,
  /// session_log, log_message): "graph_def", "session_log", ...
  std::string otherKind;
  std::vector<SummaryValue> values;
  std::uint64_t offset = 0;  ///< byte offset of the record in its file
};

/// A problem in one file (or the run directory), for the run list and `loom runs`.
struct FileProblem {
  std::string file;          ///< absolute or log-dir-relative path as given to the reader
  std::uint64_t offset = 0;  ///< byte offset of the record at fault (0 when not about a record)
  std::string message;       ///< "bad data CRC in record at byte 1234 of FILE", ...
};

}  // namespace loom::events
