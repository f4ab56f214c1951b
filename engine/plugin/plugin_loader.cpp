#include "engine/plugin/plugin_loader.h"

#include <dlfcn.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <memory>

#include "engine/plugin/plugin_api.h"

namespace loom {

namespace {
namespace fs = std::filesystem;

std::string inQuotes(const std::string& s) {
  return "\"" + s + "\"";
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string s = "[";
  for (const auto& n : names) s += (s.size() > 1 ? ", " : "") + n;
  return s + "]";
}

bool sameSet(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

/// Collects a plugin's registrations without touching the registries, so that a plugin
/// that fails half-way leaves nothing behind (PluginManager commits them afterwards).
class StagingHost final : public PluginHost {
 public:
  StagingHost(const PluginManager& manager, const OpRegistry& ops, const DatasetRegistry& datasets,
              const ExplainerRegistry& explainers, const std::string& name)
      : m_manager(manager),
        m_opsRegistry(ops),
        m_datasetRegistry(datasets),
        m_explainerRegistry(explainers),
        m_name(name) {}

  const std::string& pluginName() const override { return m_name; }

  Status addOp(std::unique_ptr<Op> op) override {
    if (!op) return refuse(invalidArgument("plugin " + inQuotes(m_name) + " passed a null op"));
    const std::string& opName = op->schema().name;
    if (opName.empty())
      return refuse(
          invalidArgument("plugin " + inQuotes(m_name) + " registered an op without a name"));
    if (m_opsRegistry.find(opName))
      return refuse(invalidArgument("op " + inQuotes(opName) + " from plugin " + inQuotes(m_name) +
                                    " is already registered by " + m_manager.opOrigin(opName)));
    for (const auto& staged : ops)
      if (staged->schema().name == opName)
        return refuse(invalidArgument("plugin " + inQuotes(m_name) + " registers op " +
                                      inQuotes(opName) + " twice"));
    ops.push_back(std::move(op));
    return Status::ok();
  }

  Status addDatasetKind(DatasetKind kind) override {
    kind.origin = m_name;
    if (kind.name.empty())
      return refuse(invalidArgument("plugin " + inQuotes(m_name) +
                                    " registered a dataset kind without a name"));
    if (!kind.load)
      return refuse(invalidArgument("dataset kind " + inQuotes(kind.name) + " from plugin " +
                                    inQuotes(m_name) + " has no loader"));
    if (const DatasetKind* old = m_datasetRegistry.find(kind.name))
      return refuse(invalidArgument("dataset kind " + inQuotes(kind.name) + " from plugin " +
                                    inQuotes(m_name) + " is already registered by " + old->origin));
    for (const auto& staged : datasetKinds)
      if (staged.name == kind.name)
        return refuse(invalidArgument("plugin " + inQuotes(m_name) + " registers dataset kind " +
                                      inQuotes(kind.name) + " twice"));
    datasetKinds.push_back(std::move(kind));
    return Status::ok();
  }

  void fail(const std::string& message) override { errors.push_back(message); }

  Status addExplainer(ExplainerInfo explainer) override {
    explainer.origin = m_name;
    if (explainer.name.empty() || !explainer.run)
      return refuse(invalidArgument("plugin " + inQuotes(m_name) + " registered explainer " +
                                    inQuotes(explainer.name) + " without a name or run function"));
    if (const ExplainerInfo* old = m_explainerRegistry.find(explainer.name))
      return refuse(invalidArgument("explainer " + inQuotes(explainer.name) + " from plugin " +
                                    inQuotes(m_name) + " is already registered by " + old->origin));
    for (const auto& staged : explainers)
      if (staged.name == explainer.name)
        return refuse(invalidArgument("plugin " + inQuotes(m_name) + " registers explainer " +
                                      inQuotes(explainer.name) + " twice"));
    explainers.push_back(std::move(explainer));
    return Status::ok();
  }

  PluginProvides provides() const {
    PluginProvides p;
    for (const auto& op : ops) p.ops.push_back(op->schema().name);
    for (const auto& k : datasetKinds) p.datasetKinds.push_back(k.name);
    for (const auto& e : explainers) p.explainers.push_back(e.name);
    return p;
  }

  std::vector<std::unique_ptr<Op>> ops;
  std::vector<DatasetKind> datasetKinds;
  std::vector<ExplainerInfo> explainers;
  std::vector<std::string> errors;

 private:
  /// A failed add refuses the plugin even if it ignores the returned status.
  Status refuse(Status status) {
    errors.push_back(status.message());
    return status;
  }

  const PluginManager& m_manager;
  const OpRegistry& m_opsRegistry;
  const DatasetRegistry& m_datasetRegistry;
  const ExplainerRegistry& m_explainerRegistry;
  std::string m_name;
};

/// "it registered ops [..] and dataset kinds [..], but its manifest declares ...", naming
/// explainers too when either side has any.
std::string mismatchMessage(const PluginProvides& got, const PluginProvides& declared) {
  const bool explainers = !got.explainers.empty() || !declared.explainers.empty();
  auto list = [&](const PluginProvides& p) {
    return "ops " + joinNames(p.ops) + (explainers ? ", " : " and ") + "dataset kinds " +
           joinNames(p.datasetKinds) +
           (explainers ? " and explainers " + joinNames(p.explainers) : std::string());
  };
  return "it registered " + list(got) + ", but its manifest declares " + list(declared);
}

Status refusal(const PluginRecord& r, const std::string& why) {
  return Status(ErrorCode::Unsupported,
                "plugin " + inQuotes(r.manifest.name) + " (" + r.folder + "): " + why);
}

/// Calls the entry point; an escaping exception becomes a message instead of a crash.
Status callEntryPoint(PluginRegisterFunction entry, StagingHost& host, int& pluginVersion) {
  try {
    pluginVersion = entry(kPluginApiVersion, &host);
  } catch (const std::exception& e) {
    return internalError(std::string("threw an exception while registering: ") + e.what());
  } catch (...) {
    return internalError("threw an exception (not a std::exception) while registering");
  }
  return Status::ok();
}
}  // namespace

const char* pluginStateName(PluginState state) {
  switch (state) {
    case PluginState::Loaded:
      return "loaded";
    case PluginState::Refused:
      return "refused";
    case PluginState::Shadowed:
      return "shadowed";
  }
  return "?";
}

PluginManager::PluginManager(OpRegistry& ops, DatasetRegistry& datasets,
                             ExplainerRegistry* explainers)
    : m_ops(ops),
      m_datasets(datasets),
      m_ownExplainers(explainers ? nullptr : std::make_unique<ExplainerRegistry>()),
      m_explainers(explainers ? *explainers : *m_ownExplainers) {}

PluginManager::~PluginManager() = default;

PluginManager& PluginManager::global() {
  // Never destroyed: registered objects run plugin code until the process ends.
  static PluginManager* manager = new PluginManager(OpRegistry::global(), DatasetRegistry::global(),
                                                    &ExplainerRegistry::global());
  return *manager;
}

void PluginManager::loadFrom(const std::vector<PluginSearchDir>& dirs) {
  for (const PluginSearchDir& dir : dirs) {
    m_searched.push_back(dir);
    for (const std::string& folder : pluginFoldersIn(dir.path)) loadFolder(folder, dir.origin);
  }
}

const PluginRecord& PluginManager::loadFolder(const std::string& folder,
                                              const std::string& origin) {
  std::error_code ec;
  const std::string canonical = fs::weakly_canonical(folder, ec).string();
  if (!ec) {
    for (size_t i = 0; i < m_visited.size(); ++i)
      if (m_visited[i] == canonical) return m_plugins[i];
  }
  PluginRecord record;
  record.folder = folder;
  record.origin = origin;
  record.manifest.path = (fs::path(folder) / kPluginManifestName).string();
  record.manifest.name = fs::path(folder).filename().string();
  Status status = load(record);
  if (status.isOk()) {
    record.state = PluginState::Loaded;
  } else {
    if (record.state != PluginState::Shadowed) record.state = PluginState::Refused;
    record.status = status;
  }
  m_visited.push_back(ec ? folder : canonical);
  m_plugins.push_back(std::move(record));
  return m_plugins.back();
}

Status PluginManager::load(PluginRecord& record) {
  // 1. The manifest, before any code of the plugin runs.
  auto manifest = readPluginManifest(record.manifest.path);
  if (!manifest) return refusal(record, manifest.status().message());
  record.manifest = std::move(*manifest);
  if (record.manifest.apiVersion != kPluginApiVersion)
    return refusal(record,
                   "its manifest " + record.manifest.path + " declares plugin API version " +
                       std::to_string(record.manifest.apiVersion) +
                       ", but this Loom supports version " + std::to_string(kPluginApiVersion) +
                       "; rebuild the plugin against this Loom");
  if (const PluginRecord* first = loadedNamed(record.manifest.name)) {
    record.state = PluginState::Shadowed;
    return Status(ErrorCode::Unsupported, "plugin " + inQuotes(record.manifest.name) + " (" +
                                              record.folder +
                                              ") is skipped: the plugin of that name from " +
                                              first->folder + " was loaded first");
  }
  std::error_code ec;
  if (!fs::is_regular_file(record.manifest.libraryPath, ec))
    return refusal(record, "its library " + record.manifest.libraryPath + " does not exist");

  // 2. The library. It stays loaded: anything it registered runs its code.
  void* handle = ::dlopen(record.manifest.libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return refusal(record, std::string("cannot load its library: ") + ::dlerror());
  auto entry = reinterpret_cast<PluginRegisterFunction>(::dlsym(handle, LOOM_PLUGIN_ENTRY_POINT));
  if (!entry)
    return refusal(record, "its library " + record.manifest.libraryPath + " does not export " +
                               LOOM_PLUGIN_ENTRY_POINT +
                               " (declare it extern \"C\" LOOM_PLUGIN_EXPORT)");

  // 3. Registration into a staging host, then the checks, then the commit.
  StagingHost host(*this, m_ops, m_datasets, m_explainers, record.manifest.name);
  int pluginVersion = 0;
  Status called = callEntryPoint(entry, host, pluginVersion);
  if (!called) return refusal(record, called.message());
  if (pluginVersion != kPluginApiVersion)
    return refusal(record, "its library " + record.manifest.libraryPath +
                               " was built for plugin API version " +
                               std::to_string(pluginVersion) + ", but this Loom supports version " +
                               std::to_string(kPluginApiVersion) +
                               "; rebuild the plugin against this Loom");
  if (!host.errors.empty()) {
    std::string all;
    for (const auto& e : host.errors) all += (all.empty() ? "" : "; ") + e;
    return refusal(record, "registration failed: " + all);
  }
  const PluginProvides registered = host.provides();
  if (!sameSet(registered.ops, record.manifest.provides.ops) ||
      !sameSet(registered.datasetKinds, record.manifest.provides.datasetKinds) ||
      !sameSet(registered.explainers, record.manifest.provides.explainers))
    return refusal(record, mismatchMessage(registered, record.manifest.provides));
  // Names were checked against the registries while staging, so these adds succeed.
  for (auto& op : host.ops) LOOM_RETURN_IF_ERROR(m_ops.add(std::move(op)));
  for (auto& kind : host.datasetKinds) LOOM_RETURN_IF_ERROR(m_datasets.add(std::move(kind)));
  for (auto& e : host.explainers) LOOM_RETURN_IF_ERROR(m_explainers.add(std::move(e)));
  record.added = registered;
  return Status::ok();
}

const PluginRecord* PluginManager::loadedNamed(const std::string& name) const {
  for (const auto& r : m_plugins)
    if (r.state == PluginState::Loaded && r.manifest.name == name) return &r;
  return nullptr;
}

std::string PluginManager::opOrigin(const std::string& name) const {
  for (const auto& r : m_plugins)
    if (r.state == PluginState::Loaded &&
        std::find(r.added.ops.begin(), r.added.ops.end(), name) != r.added.ops.end())
      return "plugin " + inQuotes(r.manifest.name);
  return "builtin";
}

PluginManager& loadDefaultPlugins() {
  static bool loaded = false;
  PluginManager& manager = PluginManager::global();
  if (!loaded) {
    loaded = true;
    manager.loadFrom(defaultPluginSearchDirs());
  }
  return manager;
}

}  // namespace loom
