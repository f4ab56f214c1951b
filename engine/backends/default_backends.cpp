// The default backend list (backend.h): the single place that decides which backends a run
// uses. The CUDA backend lives in its own module (libloom_cuda.so, backends/cuda), loaded
// here only when a run asks for a CUDA device, so a CPU run never loads the CUDA libraries
// and start-up stays fast. The device probe loads the driver library only.
#include <dlfcn.h>

#include <cctype>
#include <cstdlib>
#include <mutex>

#include "engine/backends/backend.h"

namespace loom {

namespace {

/// Parsed `training.device`: -1 for the CPU, else the CUDA ordinal. The name is looked up in
/// deviceNames() (case-insensitively, as every Name setting is), so the list is the rule.
Expected<int> parseDevice(const std::string& device) {
  if (device.empty()) return -1;
  std::string d;
  for (char c : device) d += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::vector<std::string> names = deviceNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != d) continue;
    if (i == 0) return -1;           // "cpu"
    if (i == 1) return 0;            // "cuda"
    return static_cast<int>(i) - 2;  // "cuda:N"
  }
  return invalidArgument("device \"" + device + "\" is not one of cpu, cuda, cuda:0 .. cuda:" +
                         std::to_string(kMaxCudaDevices - 1));
}

std::string dlError() {
  const char* e = ::dlerror();
  return e ? e : "unknown dlopen error";
}

CudaProbe probeOnce() {
  CudaProbe p;
#ifndef LOOM_HAVE_CUDA_MODULE
  p.reason =
      "not built: this build of Loom has no CUDA backend (configure with -DLOOM_CUDA=ON "
      "where CUDA and cuDNN are installed; docs/backend-cuda.md)";
  return p;
#else
  p.built = true;
  // The driver API, resolved by hand: no CUDA header or library is needed to build this file.
  void* driver = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver) {
    p.reason = "no driver: libcuda.so.1 does not load (" + dlError() + ")";
    return p;
  }
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int*);
  using NameFn = int (*)(int, const char**);
  auto cuInit = reinterpret_cast<InitFn>(::dlsym(driver, "cuInit"));
  auto cuDeviceGetCount = reinterpret_cast<CountFn>(::dlsym(driver, "cuDeviceGetCount"));
  auto cuGetErrorName = reinterpret_cast<NameFn>(::dlsym(driver, "cuGetErrorName"));
  if (!cuInit || !cuDeviceGetCount) {
    p.reason = "no driver: libcuda.so.1 lacks cuInit/cuDeviceGetCount";
    return p;
  }
  const int rc = cuInit(0);
  if (rc != 0) {
    const char* name = nullptr;
    if (cuGetErrorName) cuGetErrorName(rc, &name);
    p.reason = "no device: cuInit failed with " + std::string(name ? name : "error") + " (" +
               std::to_string(rc) + ")";
    return p;
  }
  int count = 0;
  if (cuDeviceGetCount(&count) != 0 || count <= 0) {
    p.reason = "no device: the CUDA driver reports no device";
    return p;
  }
  p.count = count;
  return p;  // the driver stays loaded: the backend module will use it
#endif
}

#ifdef LOOM_HAVE_CUDA_MODULE
/// The module's one entry point (backends/cuda/cuda_module.cpp): a backend for `device`, or
/// null with the reason written into `why`.
using CreateFn = Backend* (*)(int abi, int device, char* why, size_t whyBytes);
constexpr int kCudaModuleAbi = 1;

/// libloom_cuda.so beside libloom_engine.so (the build tree and an install keep them
/// together), or $LOOM_CUDA_MODULE.
std::string modulePath() {
  if (const char* env = std::getenv("LOOM_CUDA_MODULE"); env && *env) return env;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&probeCudaDevices), &info) && info.dli_fname) {
    std::string self = info.dli_fname;
    const size_t slash = self.rfind('/');
    if (slash != std::string::npos) return self.substr(0, slash + 1) + "libloom_cuda.so";
  }
  return "libloom_cuda.so";
}

Expected<std::shared_ptr<Backend>> loadCudaBackend(int device) {
  static std::mutex mutex;
  static void* handle = nullptr;  // never closed: kernels of live plans point into it
  std::lock_guard<std::mutex> lock(mutex);
  if (!handle) {
    const std::string path = modulePath();
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
      return unsupported("no CUDA device: the CUDA backend module " + path + " does not load (" +
                         dlError() + ")");
  }
  auto create = reinterpret_cast<CreateFn>(::dlsym(handle, "loomCudaCreateBackend"));
  if (!create) return unsupported("no CUDA device: libloom_cuda.so has no loomCudaCreateBackend");
  char why[512] = {0};
  Backend* backend = create(kCudaModuleAbi, device, why, sizeof why);
  if (!backend) return unsupported(std::string("no CUDA device: ") + why);
  return std::shared_ptr<Backend>(backend);
}
#endif

}  // namespace

std::vector<std::string> deviceNames() {
  std::vector<std::string> names = {"cpu", "cuda"};  // parseDevice relies on this order
  for (int i = 0; i < kMaxCudaDevices; ++i) names.push_back("cuda:" + std::to_string(i));
  return names;
}

CudaProbe probeCudaDevices() {
  static std::once_flag once;
  static CudaProbe probe;
  std::call_once(once, [] { probe = probeOnce(); });
  return probe;
}

std::vector<std::shared_ptr<Backend>> defaultBackends() {
  std::vector<std::shared_ptr<Backend>> backends;
  backends.push_back(makeCpuBackend());
  return backends;
}

Expected<std::vector<std::shared_ptr<Backend>>> defaultBackends(const std::string& device) {
  LOOM_ASSIGN_OR_RETURN(const int ordinal, parseDevice(device));
  if (ordinal < 0) return defaultBackends();
  const CudaProbe probe = probeCudaDevices();
  const std::string what = "device \"" + device + "\": ";
  if (probe.count == 0) return unsupported(what + "no CUDA device: " + probe.reason);
  if (ordinal >= probe.count)
    return unsupported(what + "no CUDA device " + std::to_string(ordinal) +
                       " (the driver reports " + std::to_string(probe.count) + ")");
#ifdef LOOM_HAVE_CUDA_MODULE
  auto cuda = loadCudaBackend(ordinal);
  if (!cuda) return cuda.status().withContext(what.substr(0, what.size() - 2));
  std::vector<std::shared_ptr<Backend>> backends;
  backends.push_back(std::move(*cuda));
  backends.push_back(makeCpuBackend());
  return backends;
#else
  return unsupported(what + "no CUDA device: " + probe.reason);
#endif
}

std::string backendNames(const std::vector<std::shared_ptr<Backend>>& backends) {
  std::string names;
  for (const auto& b : backends) names += (names.empty() ? "" : ", ") + b->name();
  return names;
}

}  // namespace loom
