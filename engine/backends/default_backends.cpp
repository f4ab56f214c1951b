// The default backend list (backend.h): the single place that decides which backends a run
// uses when it does not say.
#include "engine/backends/backend.h"

namespace loom {

std::vector<std::shared_ptr<Backend>> defaultBackends() {
  std::vector<std::shared_ptr<Backend>> backends;
  backends.push_back(makeCpuBackend());
  return backends;
}

std::string backendNames(const std::vector<std::shared_ptr<Backend>>& backends) {
  std::string names;
  for (const auto& b : backends) names += (names.empty() ? "" : ", ") + b->name();
  return names;
}

}  // namespace loom
