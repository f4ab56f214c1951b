// Dataset kinds: the names a model file's `dataset.kind` may take, and how each is loaded.
//
// The trainer never switches over kind names: it looks the kind up here. Built-in kinds
// ("fashion_mnist", "idx", "csv") are registered by registerBuiltinDatasets(); plugins add
// theirs through the plugin entry point (engine/plugin/plugin_api.h). The list of names
// shown by `loom train --help`, the studio's Training Settings dialog and the docs comes
// from DatasetRegistry::global().all(), so a new kind appears everywhere at once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/data/dataset.h"

namespace loom {

namespace pb {
class DatasetConfig;
}

/// How the loader normalises samples of a kind (data/batch_loader.h).
enum class DatasetNormalization {
  /// x = (pixel / 255 - mean) / std with the config's mean and std (images stored as U8).
  PixelMeanStd,
  /// Per-feature standardisation computed on the training rows (tabular data).
  FeatureStandardize,
};

struct DatasetKind {
  std::string name;         ///< the value of `dataset.kind`, e.g. "image_folder"
  std::string description;  ///< one line for help texts and the studio
  /// Loads one split. `config` has Loom's defaults applied. NotFound when the split does not
  /// exist (e.g. a CSV file has no test split); messages name the file or directory.
  std::function<Expected<Dataset>(const pb::DatasetConfig& config, Split split)> load;
  bool hasTestSplit = true;
  DatasetNormalization normalization = DatasetNormalization::PixelMeanStd;
  /// Who registered it: "builtin" or the plugin's name (for `loom info --plugins`).
  std::string origin = "builtin";
};

class DatasetRegistry {
 public:
  /// The process-wide registry; registerBuiltinDatasets() has been called on it.
  static DatasetRegistry& global();

  /// Fails (InvalidArgument, naming both origins) if the name is taken; no change then.
  Status add(DatasetKind kind);
  /// Null for an unknown name.
  const DatasetKind* find(const std::string& name) const;
  /// Every kind, in registration order (built-ins first).
  std::vector<const DatasetKind*> all() const;
  /// "fashion_mnist, idx, csv, ..." for messages.
  std::string namesForMessage() const;

 private:
  std::vector<std::unique_ptr<DatasetKind>> m_kinds;
};

/// Registers "fashion_mnist", "idx" and "csv" into `registry` (idempotent per registry).
void registerBuiltinDatasets(DatasetRegistry& registry);

/// Loads `split` of the data set `config` describes, through its kind's loader.
/// InvalidArgument names an unknown kind and lists the known ones.
Expected<Dataset> loadDataset(const pb::DatasetConfig& config, Split split);

}  // namespace loom
