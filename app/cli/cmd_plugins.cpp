// Plugins in the CLI: loading them at start, and `loom info --plugins` (docs/plugins.md).
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/plugin/plugin_api.h"
#include "engine/plugin/plugin_loader.h"

namespace loom::cli {

namespace {
std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string describe(const PluginProvides& p) {
  std::string s;
  if (!p.datasetKinds.empty()) s += "dataset kinds: " + join(p.datasetKinds);
  if (!p.ops.empty()) s += std::string(s.empty() ? "" : "; ") + "ops: " + join(p.ops);
  if (!p.explainers.empty())
    s += std::string(s.empty() ? "" : "; ") + "explainers: " + join(p.explainers);
  return s.empty() ? "nothing" : s;
}

void printRecord(const PluginRecord& r) {
  const PluginManifest& m = r.manifest;
  const std::string api = m.apiVersion != 0 ? std::to_string(m.apiVersion) : "?";
  std::printf("%s %s  [%s]  plugin API %s  (%s)\n", m.name.c_str(),
              m.version.empty() ? "?" : m.version.c_str(), pluginStateName(r.state), api.c_str(),
              r.origin.c_str());
  if (!m.description.empty()) std::printf("    %s\n", m.description.c_str());
  std::printf("    library: %s\n", m.libraryPath.empty() ? "(unknown)" : m.libraryPath.c_str());
  if (r.state == PluginState::Loaded) {
    std::printf("    added: %s\n", describe(r.added).c_str());
  } else {
    std::printf("    would add: %s\n", describe(m.provides).c_str());
    std::printf("    reason: %s\n", r.status.message().c_str());
  }
}
}  // namespace

void loadPlugins(bool warnAboutRefused) {
  const PluginManager& manager = loadDefaultPlugins();
  if (!warnAboutRefused) return;
  for (const auto& r : manager.plugins())
    if (r.state == PluginState::Refused)
      std::fprintf(stderr, "loom: warning: plugin skipped: %s\n", r.status.message().c_str());
}

int runPluginInfo(const InfoArgs&) {
  const PluginManager& manager = loadDefaultPlugins();
  std::printf("plugins (this Loom speaks plugin API version %d)\n\n", kPluginApiVersion);
  if (manager.plugins().empty()) std::printf("no plugins found\n\n");
  for (const auto& r : manager.plugins()) {
    printRecord(r);
    std::printf("\n");
  }
  std::printf("searched, in this order:\n");
  for (const auto& dir : manager.searched())
    std::printf("  %-17s %s\n", dir.origin.c_str(), dir.path.c_str());
  return kExitOk;
}

}  // namespace loom::cli
