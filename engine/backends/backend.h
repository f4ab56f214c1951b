// Backends: where kernels come from. The executor asks backends in priority order
// (cuda -> cpu (oneDNN) -> reference) and takes the first that accepts a node; each
// backend that declines says why, so `loom info --kernels` can explain the choice.
//
// A backend overrides kernels only. Shapes, parameters and cost always come from the Op.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/op.h"

namespace loom {

/// What a backend knows when asked for a kernel for one node of a compiled plan.
struct KernelRequest {
  const Op* op = nullptr;
  const Attrs* attrs = nullptr;
  std::vector<Dims> inputDims;  ///< batch first
  const ShapeInfo* shape = nullptr;
  bool training = false;  ///< the plan will call backward()
  /// Which inputs need a gradient (false for data inputs and their pure ancestors).
  std::vector<bool> needsDiffSrc;
  /// The parameters keep their values between calls until Kernel::parametersChanged()
  /// (PlanOptions::constantParameters): a kernel may keep converted copies of them (the
  /// oneDNN backend keeps weights reordered into a primitive's format) instead of
  /// converting them again every call.
  bool constantParameters = false;
};

/// One node's compiled kernel. Created once per plan; forward/backward run every step.
class Kernel {
 public:
  virtual ~Kernel() = default;
  /// Implementation name for diagnostics, e.g. "onednn:conv(jit:avx512_core)" or "reference".
  virtual std::string implName() const = 0;
  /// Physical layout the kernel wants for input `i` (the executor converts if needed).
  virtual Layout inputLayout(int i) const { return Layout::Plain; }
  /// Physical layout the kernel writes to dst (and expects for diffDst).
  virtual Layout outputLayout() const { return Layout::Plain; }
  /// Params, diffParams are always Plain. src/dst/diffSrc/diffDst follow the layouts above.
  virtual Status forward(KernelArgs& args) = 0;
  virtual Status backward(KernelArgs& args) = 0;
  /// The parameters' values changed in place: drop any converted copy of them (see
  /// KernelRequest::constantParameters). Kernels that keep none ignore it.
  virtual void parametersChanged() {}
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  /// A kernel for the request, or Unsupported with the reason (e.g. "groups > 1").
  virtual Expected<std::unique_ptr<Kernel>> createKernel(const KernelRequest& request) = 0;
};

/// The backend that runs every op's reference kernel. Always available, always accepts.
std::unique_ptr<Backend> makeReferenceBackend();
/// The oneDNN CPU backend (backends/cpu).
std::unique_ptr<Backend> makeCpuBackend();

/// The backends a run uses when it names none, in priority order (the executor appends the
/// reference backend as the last fallback). The one list: the trainer, evaluation and
/// `loom info --kernels` take it from here. It is the oneDNN CPU backend; see the overload
/// below for a run that names a device. Fresh objects on every call; each is shared by the
/// plans of one run.
std::vector<std::shared_ptr<Backend>> defaultBackends();

/// CUDA ordinals a device name may give: "cuda:0" .. "cuda:7".
constexpr int kMaxCudaDevices = 8;

/// Every name `training.device` accepts, in canonical spelling: "cpu", "cuda" (the first
/// GPU), "cuda:0" .. "cuda:7". The one list: the setting's validator, `--device`'s help and
/// defaultBackends(device) all take it from here.
std::vector<std::string> deviceNames();

/// The backends for a run on `device` (the `training.device` setting): "cpu" (or "") gives
/// defaultBackends(); "cuda" / "cuda:N" puts the CUDA backend (backends/cuda, a module loaded
/// only here) in front of the CPU one, so nodes it declines fall back to oneDNN. Unsupported
/// naming the reason when no CUDA device can be used ("not built", "no driver", "no
/// device", "device 3 of 1"); InvalidArgument for a malformed name. Never aborts.
Expected<std::vector<std::shared_ptr<Backend>>> defaultBackends(const std::string& device);

/// What a probe of CUDA devices found: count > 0, or the reason there is none. Cheap (it
/// loads the driver library only, never the CUDA backend module) and never fails.
struct CudaProbe {
  int count = 0;       ///< usable devices
  bool built = false;  ///< this build has the CUDA backend module (LOOM_CUDA)
  std::string reason;  ///< why count is 0: "not built", "no driver: ...", "no device: ..."
};
CudaProbe probeCudaDevices();

/// Names of `backends`, comma-separated ("cpu"), for run metadata and messages.
std::string backendNames(const std::vector<std::shared_ptr<Backend>>& backends);

}  // namespace loom
