#include "op_backends.h"

#include <utility>

namespace loom::test {

namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Backend> (*make)();
};

// One line per backend built into the engine (a CUDA backend adds its line here).
const std::vector<Entry>& entries() {
  static const std::vector<Entry> list = {
      {"reference", makeReferenceBackend},
      {"cpu", makeCpuBackend},
  };
  return list;
}

}  // namespace

std::vector<std::string> backendNames() {
  std::vector<std::string> names;
  for (const Entry& e : entries()) names.push_back(e.name);
  return names;
}

Backend* backendNamed(const std::string& name) {
  static std::vector<std::pair<std::string, std::unique_ptr<Backend>>> made;
  for (auto& [n, backend] : made)
    if (n == name) return backend.get();
  for (const Entry& e : entries())
    if (name == e.name) return made.emplace_back(name, e.make()).second.get();
  return nullptr;
}

}  // namespace loom::test
