// Model: graph + optional parameters + training config + dataset config.
// The in-memory form of a `.loom` file (engine/proto/loom.proto).
#pragma once

#include <map>
#include <string>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/graph/graph.h"
#include "engine/proto/loom.pb.h"

namespace loom {

/// Current `.loom` format version. Bump it together with an upgrade step in upgrade.cpp.
inline constexpr int kModelFormatVersion = 3;

struct Model {
  std::string name;
  std::string description;
  Graph graph;
  /// Trained values keyed "<node>.<param>"; may be empty (then initialised from the schema).
  std::map<std::string, Tensor> parameters;
  /// The file's settings as written (0 / "" = not given); applyDefaults() fills them in.
  pb::TrainingConfig training;
  pb::DatasetConfig dataset;
};

/// Fills the unset fields of the training and dataset configs with Loom's defaults and writes
/// names in their canonical case: applyTrainingDefaults() of the settings schema
/// (engine/train/settings.h), where this function is defined. Declared here so every holder of
/// a Model can call it; graph code itself never does (loading keeps the file's values), so
/// engine/graph does not depend on engine/train. Out-of-range values are left for
/// validateTrainingSettings() to report.
void applyDefaults(Model& model);

/// Parses `.loom` text. `sourceName` is used in messages: "model.loom:12:7: ...".
/// Upgrades older format versions; rejects newer ones. Parameters must be in the text: a text
/// that refers to a parameter file (`parameter_file`) needs loadModel(), which knows where the
/// file lies, and is refused here with a message that says so.
Expected<Model> parseModel(const std::string& text, const std::string& sourceName);
/// Reads and parses a file, with its parameter file if it refers to one
/// (engine/graph/parameter_file.h: checked for size, CRC and layout before use). A missing
/// file is NotFound naming the path.
Expected<Model> loadModel(const std::string& path);
/// Serialises to `.loom` text with the parameters in the text (protobuf text format), as the
/// clipboard and the studio's autosave use it. Deterministic: equal models give identical
/// bytes.
std::string serializeModel(const Model& model, bool withParameters = true);
/// Writes the model to `path` atomically (temporary file, fsync, rename). With parameters (and
/// `withParameters`), they go to a binary parameter file beside it, `<file name>.<crc>.params`,
/// written first; the text refers to it, and the parameter file the previous text at `path`
/// referred to is removed afterwards. A copy of a model file needs its parameter file.
Status saveModel(const Model& model, const std::string& path, bool withParameters = true);

/// A stable hash of the graph structure (ops, names, wiring, attributes; not canvas
/// positions, not parameter values), used to check that a checkpoint belongs to a model.
/// Parameter shapes follow from the structure. 16 hex digits.
std::string modelStructureHash(const Model& model);

}  // namespace loom
