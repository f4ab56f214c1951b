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
  pb::TrainingConfig training;  ///< with defaults filled in by applyTrainingDefaults()
  pb::DatasetConfig dataset;
};

/// Fills zero/empty fields of the training and dataset configs with Loom's defaults
/// (batch 64, Adam 1e-3, 10 epochs, softmax cross-entropy, Fashion-MNIST...).
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
