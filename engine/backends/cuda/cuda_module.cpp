// The module's one entry point, resolved by backends/default_backends.cpp with dlsym. C
// linkage and a plain-C signature, so the loader needs no CUDA header: the ABI number guards
// against a module from another build of Loom (the Backend class layout must match).
#include <cstdio>
#include <exception>
#include <string>

#include "engine/backends/cuda/cuda_backend.h"

namespace {

constexpr int kModuleAbi = 1;  // default_backends.cpp's kCudaModuleAbi

void writeWhy(char* why, size_t whyBytes, const std::string& text) {
  if (!why || whyBytes == 0) return;
  std::snprintf(why, whyBytes, "%s", text.c_str());
}

}  // namespace

/// A new CUDA backend on `device` (the caller owns it), or null with the reason in `why`:
/// an ABI mismatch, no device (cudaGetDeviceCount fails), an ordinal out of range, a failure
/// creating the stream or handles. Never throws, never aborts.
extern "C" __attribute__((visibility("default"))) loom::Backend* loomCudaCreateBackend(
    int abi, int device, char* why, size_t whyBytes) {
  if (abi != kModuleAbi) {
    writeWhy(why, whyBytes,
             "libloom_cuda.so has module ABI " + std::to_string(kModuleAbi) +
                 ", the engine wants " + std::to_string(abi) + " (a module from another build)");
    return nullptr;
  }
  try {
    auto backend = loom::cuda::makeCudaBackend(device);
    if (!backend) {
      writeWhy(why, whyBytes, backend.status().message());
      return nullptr;
    }
    return backend->release();
  } catch (const std::exception& e) {
    writeWhy(why, whyBytes, std::string("creating the CUDA backend failed: ") + e.what());
    return nullptr;
  }
}
