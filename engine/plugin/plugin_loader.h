// PluginManager: finds plugins, checks them, loads them and remembers what each added.
//
// Loading never fails as a whole: every plugin found ends up in plugins() as Loaded,
// Refused (with the reason) or Shadowed (a plugin of the same name was loaded first). A
// broken plugin — wrong API version, unreadable manifest, missing library, missing entry
// point, an exception or fail() during registration, a name that is already taken — is
// reported there and skipped; Loom carries on without it. See plugin_api.h for the lifecycle.
//
// Not thread-safe: load at program start, before anything reads the registries.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/data/dataset_registry.h"
#include "engine/explain/registry.h"
#include "engine/ops/op.h"
#include "engine/plugin/plugin_manifest.h"
#include "engine/plugin/plugin_search.h"

namespace loom {

enum class PluginState {
  Loaded,    ///< registered; `added` lists what it added
  Refused,   ///< not loaded; `status` says why (names the plugin, its path and the values)
  Shadowed,  ///< not loaded: a plugin of the same name was loaded earlier in the search order
};
const char* pluginStateName(PluginState state);  ///< "loaded", "refused", "shadowed"

struct PluginRecord {
  std::string folder;  ///< the plugin folder (holds the manifest)
  std::string origin;  ///< the search rule that found it (PluginSearchDir::origin)
  /// The manifest as read; when the manifest itself is unreadable only `path` is set and
  /// `name` is the folder's name.
  PluginManifest manifest;
  PluginState state = PluginState::Refused;
  Status status;         ///< OK when Loaded
  PluginProvides added;  ///< what it registered (Loaded only)
};

class PluginManager {
 public:
  /// Registers into `ops`, `datasets` and `explainers`, which must outlive the manager. A
  /// null `explainers` gives the manager a registry of its own (explainers() returns it), so
  /// a test's manager never adds to ExplainerRegistry::global().
  PluginManager(OpRegistry& ops, DatasetRegistry& datasets,
                ExplainerRegistry* explainers = nullptr);
  ~PluginManager();
  PluginManager(const PluginManager&) = delete;
  PluginManager& operator=(const PluginManager&) = delete;

  /// The process-wide manager over OpRegistry::global(), DatasetRegistry::global() and
  /// ExplainerRegistry::global().
  static PluginManager& global();

  /// Loads every plugin folder in `dirs`, in order (plugin_search.h). A folder already
  /// visited (same canonical path) is not visited again.
  void loadFrom(const std::vector<PluginSearchDir>& dirs);

  /// Loads the plugin in `folder` and returns its record (also appended to plugins()).
  const PluginRecord& loadFolder(const std::string& folder, const std::string& origin);

  /// Every plugin seen so far, in the order found.
  const std::vector<PluginRecord>& plugins() const { return m_plugins; }
  /// Every directory passed to loadFrom(), in order (including missing ones).
  const std::vector<PluginSearchDir>& searched() const { return m_searched; }

  /// The registry explainers are added to.
  const ExplainerRegistry& explainers() const { return m_explainers; }

  /// The loaded plugin that registered op `name`, or "builtin" when none did.
  std::string opOrigin(const std::string& name) const;

 private:
  Status load(PluginRecord& record);
  const PluginRecord* loadedNamed(const std::string& name) const;

  OpRegistry& m_ops;
  DatasetRegistry& m_datasets;
  std::unique_ptr<ExplainerRegistry> m_ownExplainers;
  ExplainerRegistry& m_explainers;
  std::vector<PluginRecord> m_plugins;
  std::vector<PluginSearchDir> m_searched;
  std::vector<std::string> m_visited;  // canonical folder paths
};

/// Loads the plugins of defaultPluginSearchDirs() into PluginManager::global() the first
/// time it is called; later calls do nothing. Returns the global manager for listing.
PluginManager& loadDefaultPlugins();

}  // namespace loom
