// The CUDA backend (backends/cuda, docs/backend-cuda.md): cuDNN, cuBLAS and a few kernels of
// its own for every op the oneDNN CPU backend covers. Built as the module libloom_cuda.so
// (cuda_module.cpp) and loaded by defaultBackends("cuda:N") only, so a CPU run never loads
// the CUDA libraries.
#pragma once

#include <memory>

#include "engine/backends/backend.h"

namespace loom::cuda {

/// A backend on CUDA device `device`, or Unsupported naming why there is none (no device,
/// an ordinal out of range, a driver error). Sets the device current on the calling thread.
/// Never aborts.
Expected<std::unique_ptr<Backend>> makeCudaBackend(int device);

}  // namespace loom::cuda
