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
inline constexpr int kModelFormatVersion = 2;

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
/// Upgrades older format versions; rejects newer ones.
Expected<Model> parseModel(const std::string& text, const std::string& sourceName);
/// Reads and parses a file. A missing file is NotFound naming the path.
Expected<Model> loadModel(const std::string& path);
/// Serialises to `.loom` text. Deterministic: equal models give identical bytes.
std::string serializeModel(const Model& model, bool withParameters = true);
/// Writes atomically (temporary file, fsync, rename).
Status saveModel(const Model& model, const std::string& path, bool withParameters = true);

/// A stable hash of the graph structure (ops, names, wiring, attributes; not canvas
/// positions, not parameter values), used to check that a checkpoint belongs to a model.
/// Parameter shapes follow from the structure. 16 hex digits.
std::string modelStructureHash(const Model& model);

}  // namespace loom
