// The op harness's case description and its run on one backend (tests/engine/ops).
//
// An OpCase is one node to test: op name, raw attributes, input shapes, mode. An OpRun is
// that case prepared on one backend: attributes resolved, shapes inferred, the backend's
// kernel created, and Plain float32 tensors (src, params, dst and their gradients) that
// the test reads and writes. forward()/backward() hand the tensors to the kernel in the
// layouts it declares (or Plain, see Feed) and bring the results back Plain, so every
// backend is compared on the same Plain numbers.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/ops/op.h"

namespace loom::test {

/// One node to run: op name, raw attributes and input shapes (batch first).
struct OpCase {
  std::string op;
  AttrMap attrs;
  std::vector<Dims> inputs;
  bool training = true;          ///< KernelArgs::training (BatchNorm, Dropout)
  std::uint64_t rngKey = 1234;   ///< KernelArgs::rngKey (Dropout's mask)
  std::string describe() const;  ///< "Conv2D {filters: 4, ...} inputs [2, 3, 7, 7] (training)"
};

/// How rank-4 tensors are handed to a kernel.
enum class Feed {
  Declared,  ///< in the layout the kernel declares (the executor's normal path)
  Plain,     ///< always Plain (exercises a kernel's staging path)
};

/// How the harness fills an op's inputs (params: uniform [-1, 1), running_var [0.5, 1.5)).
enum class InputFill {
  Uniform,       ///< uniform [-1, 1)
  AwayFromZero,  ///< |x| in [0.1, 1), random sign: keeps piecewise ops off their kinks
  Distinct,      ///< all values 0.05 apart: max-pooling has no ties
};

/// A case prepared on one backend, with its tensors (Plain, owned, kept between calls).
class OpRun {
 public:
  /// Resolves attributes, infers shapes, asks `backend` for a kernel and allocates zeroed
  /// tensors (params initialised by their InitSpec). Errors: the op's message, or the
  /// backend's Unsupported status when it declines the case.
  static Expected<OpRun> create(const OpCase& c, Backend& backend, Feed feed = Feed::Declared);
  /// The same on the reference backend (the op's own kernels).
  static Expected<OpRun> create(const OpCase& c);

  OpCase spec;  ///< may be changed between calls (e.g. training)
  std::vector<Tensor> src, params, saved;
  Tensor dst;                               ///< written by forward()
  std::vector<Tensor> diffSrc, diffParams;  ///< written by backward(); empty for buffers

  const Op& op() const { return *m_node->op; }
  const Attrs& attrs() const { return m_node->attrs; }
  const ShapeInfo& shape() const { return m_node->shape; }
  /// The backend's kernel for this case (its implName(), declared layouts).
  const Kernel& kernel() const { return *m_kernel; }
  /// The kernel's implementation name, e.g. "reference" or "onednn:eltwise(jit:avx2)".
  std::string implName() const { return m_kernel->implName(); }

  /// Runs forward into dst.
  Status forward();
  /// Runs backward with `diffDst` (Plain) after forward(), writing diffSrc and diffParams
  /// (trainable params only). Both start at 1e30 so a kernel that accumulates fails.
  Status backward(const Tensor& diffDst);

  /// Copies src and params from `other` (a run of the same case on another backend).
  void copyDataFrom(const OpRun& other);

 private:
  struct Node {
    const Op* op = nullptr;
    Attrs attrs;
    ShapeInfo shape;
    KernelRequest request;  // points into this Node, which never moves
  };
  Layout inputLayout(size_t i) const;
  Layout outputLayout() const;
  KernelArgs args();

  std::unique_ptr<Node> m_node;
  std::unique_ptr<Kernel> m_kernel;
  Feed m_feed = Feed::Declared;
  std::vector<Tensor> m_stagedSrc;  // src in the kernel's layouts, from the last forward
  Tensor m_stagedDst;               // dst in the kernel's layout, read by some backwards
};

/// Uniform [lo, hi) values into `t`.
void fillUniform(Tensor& t, std::mt19937_64& gen, float lo = -1.0f, float hi = 1.0f);
/// Values with |x| in [minAbs, 1), random sign.
void fillAwayFromZero(Tensor& t, std::mt19937_64& gen, float minAbs = 0.1f);
/// A random permutation of {0, step, 2 step, ...} centred on 0: all values distinct by at
/// least `step`.
void fillDistinct(Tensor& t, std::mt19937_64& gen, float step = 0.05f);
/// Fills the run's inputs as `fill` says and its params as documented at InputFill.
void fillRun(OpRun& run, InputFill fill, std::mt19937_64& gen);

/// What differs between two runs of one case (dst, diffSrc, params after forward,
/// diffParams) by more than `tolerance` in maxRelativeDifference; one line per tensor,
/// empty when they agree. `backward`: compare the gradients too.
std::vector<std::string> compareRuns(const OpRun& got, const OpRun& want, double tolerance,
                                     bool backward = true);

}  // namespace loom::test
