#include "op_backends.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace loom::test {

namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Backend> (*make)();
};

// A backend that declines every kernel with one reason: what "cuda" is on a machine without
// a usable CUDA device (or a build without the module), so each of its cases is reported as
// skipped with the reason (ops_backends_test.cpp's GTEST_SKIP), never as a failure.
class Unavailable final : public Backend {
 public:
  Unavailable(std::string name, std::string why) : m_name(std::move(name)), m_why(std::move(why)) {}
  std::string name() const override { return m_name; }
  Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest&) override {
    return unsupported(m_why);
  }

 private:
  std::string m_name, m_why;
};

// The first backend of a device's list (the executor's fallbacks come after it), kept
// alive with the list.
class Front final : public Backend {
 public:
  explicit Front(std::shared_ptr<Backend> b) : m_backend(std::move(b)) {}
  std::string name() const override { return m_backend->name(); }
  Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest& r) override {
    return m_backend->createKernel(r);
  }

 private:
  std::shared_ptr<Backend> m_backend;
};

// The CUDA backend as a run on "cuda:0" gets it: defaultBackends loads libloom_cuda.so (when
// this build has it) and creates the backend on the device. Without a device it says why
// ("not built: ...", "no driver: ...", "no device: cuInit failed with CUDA_ERROR_NO_DEVICE").
// LOOM_TEST_REQUIRE_CUDA=1 (packaging/gpu-check.sh) makes that an error instead of a skip.
std::unique_ptr<Backend> makeCudaBackend() {
  auto list = defaultBackends("cuda:0");
  if (list && !list->empty() && list->front()->name() == "cuda")
    return std::make_unique<Front>(list->front());
  const std::string why =
      list ? "defaultBackends(\"cuda:0\") has no CUDA backend" : list.status().message();
  const char* require = std::getenv("LOOM_TEST_REQUIRE_CUDA");
  if (require && std::strcmp(require, "1") == 0) {
    std::fprintf(stderr, "LOOM_TEST_REQUIRE_CUDA=1 but the CUDA backend is unavailable: %s\n",
                 why.c_str());
    return nullptr;  // the tests' ASSERT_NE(backend, nullptr) fails
  }
  return std::make_unique<Unavailable>("cuda", why);
}

// One line per backend under test (a CUDA backend adds its line here).
const std::vector<Entry>& entries() {
  static const std::vector<Entry> list = {
      {"reference", makeReferenceBackend},
      {"cpu", makeCpuBackend},
      {"cuda", makeCudaBackend},
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
