// Shared plumbing of the oneDNN CPU backend (backends/cpu, docs/backend-cpu.md).
//
// Everything here is private to backends/cpu: the process-wide engine, one stream per
// thread, memory descriptors for Loom's layouts, a per-thread scratchpad arena, cached
// reorders between a Plain user buffer and a primitive's preferred format, layout staging
// for tensors that arrive in an unexpected layout, and the base class of every kernel,
// which turns oneDNN exceptions into Status (library code never lets them escape).
//
// Memory objects are created once per kernel with no buffer (DNNL_MEMORY_NONE) and bound
// to the caller's tensors on every call with bind(); binding is a pointer store.
#pragma once

#include <functional>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/backends/backend.h"

namespace loom::cpu {

using dnnl::memory;
using Tag = memory::format_tag;
using ArgMap = std::unordered_map<int, memory>;

/// The CPU engine shared by every kernel (created on first use, never destroyed early).
const dnnl::engine& cpuEngine();
/// The calling thread's stream on cpuEngine() (plans run on one thread each).
dnnl::stream& cpuStream();

memory::dims toDnnlDims(const Dims& dims);
/// Descriptor of a Loom tensor with `dims` in `layout`: rank 4 is nchw or nhwc, every
/// other rank is row-major (a, ab, abc, ...).
memory::desc tensorDesc(const Dims& dims, Layout layout);
/// Row-major descriptor (weights oi/oihw/goihw, bias x): how ParameterSet stores params.
memory::desc plainDesc(const Dims& dims);
/// The same dims with format_tag::any: lets the primitive choose (weights).
memory::desc anyDesc(const Dims& dims);
/// One-dimensional view of `count` floats: for elementwise primitives, whose result does
/// not depend on the physical order as long as every operand shares it.
memory::desc flatDesc(std::int64_t count);

/// The layout a oneDNN kernel keeps for an activation of `dims`: NHWC for rank 4 (so
/// activations stay channels-last from the first conv to the flatten), else Plain.
Layout activationLayout(const Dims& dims);

/// A memory object for `desc` with no buffer yet (see bind()).
memory unbound(const memory::desc& desc);
/// Points `m` at `data` (the tensor owns the storage; oneDNN only borrows it).
inline void bind(const memory& m, const void* data) {
  m.set_data_handle(const_cast<void*>(data));
}

/// Attributes with a user-managed scratchpad; every compute primitive uses them so one
/// per-thread arena (see execute()) replaces a buffer per primitive.
dnnl::primitive_attr scratchpadAttr();

/// Runs `prim` on this thread's stream. `scratchpad` (from the primitive's pd) is bound
/// to this thread's arena, grown on demand; pass an empty desc for primitives without
/// attributes.
void execute(const dnnl::primitive& prim, ArgMap args, const memory::desc& scratchpad);

/// "brgemm:avx512_core" etc.: the implementation oneDNN picked.
std::string implOf(const dnnl::primitive_desc_base& pd);

/// Reorder from a user buffer in `user` format into the format a primitive wants, built
/// once. When the formats match, no copy happens and the primitive reads the user buffer.
class ToPrimitive {
 public:
  ToPrimitive() = default;
  ToPrimitive(const memory::desc& user, const memory::desc& wanted);
  bool copies() const { return m_copies; }
  /// Converts `data` (in the user format) and returns the memory to hand to the primitive.
  /// After keepConverted(true), a second call with the same `data` returns the earlier
  /// copy without converting, until forget().
  const memory& convert(const void* data);
  /// Whether convert() may reuse its copy (KernelRequest::constantParameters).
  void keepConverted(bool keep) { m_keep = keep; }
  /// The user's data changed in place: the next convert() converts again.
  void forget() { m_convertedFrom = nullptr; }
  /// The memory convert() returned last time, rebound to `data` when no copy is made:
  /// lets backward reuse the weights forward already reordered in the same step.
  const memory& reuse(const void* data);

 private:
  bool m_copies = false, m_keep = false;
  const void* m_convertedFrom = nullptr;  ///< the data m_owned holds a copy of, if kept
  memory m_user, m_owned;
  dnnl::reorder m_reorder;
};

/// The other direction: the primitive writes `produced` format, the user wants `user`.
class FromPrimitive {
 public:
  FromPrimitive() = default;
  FromPrimitive(const memory::desc& produced, const memory::desc& user);
  /// The memory the primitive should write: the user buffer itself when formats match.
  const memory& target(void* data);
  /// Copies the primitive's result into `data` (no-op when target() was the user buffer).
  void finish(void* data);

 private:
  bool m_copies = false;
  memory m_user, m_owned;
  dnnl::reorder m_reorder;
};

/// `t` itself when it already holds `want`'s bytes, else `t` converted into `staging`.
/// Kernels declare their layouts to the executor, so staging is a safety net (and what
/// lets the tests feed Plain inputs), not the normal path.
const Tensor& stagedInput(const Tensor& t, Layout want, Tensor& staging);
/// Where a kernel writes an output that must end up in `t`: `t` itself when its bytes are
/// in `want`, else `staging` (allocated on first use). finishOutput() copies back.
Tensor& stagedOutput(Tensor& t, Layout want, Tensor& staging);
void finishOutput(Tensor& t, const Tensor& written);

/// Base of every oneDNN kernel: holds the declared layouts and the implementation name,
/// and converts oneDNN/allocation exceptions of forward and backward into Status.
class OnednnKernel : public Kernel {
 public:
  OnednnKernel(std::vector<Layout> inputLayouts, Layout outputLayout)
      : m_inputLayouts(std::move(inputLayouts)), m_outputLayout(outputLayout) {}
  std::string implName() const override { return m_implName; }
  Layout inputLayout(int i) const override;
  Layout outputLayout() const override { return m_outputLayout; }
  Status forward(KernelArgs& args) final;
  Status backward(KernelArgs& args) final;

 protected:
  virtual Status runForward(KernelArgs& args) = 0;
  virtual Status runBackward(KernelArgs& args) = 0;
  void setImplName(std::string name) { m_implName = std::move(name); }

  std::vector<Layout> m_inputLayouts;  ///< for a variadic op, the last entry repeats
  Layout m_outputLayout;

 private:
  std::string m_implName = "onednn";
};

/// Runs `make` and maps oneDNN exceptions to Unsupported (the executor then falls back
/// to the next backend and reports the reason).
Expected<std::unique_ptr<Kernel>> guardedCreate(
    const std::string& op, const std::function<Expected<std::unique_ptr<Kernel>>()>& make);

/// Checks that the kernel got the tensors the request promised (counts and dims).
Status checkArgs(const KernelArgs& args, size_t inputs, size_t params, const char* op);

}  // namespace loom::cpu
