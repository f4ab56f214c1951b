// Test helpers for the op tests: build one node of an op from raw attributes and input
// shapes, allocate its tensors, and run the reference forward/backward.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/ops/op.h"

namespace loom::test {

/// One node to run: op name, raw attributes and input shapes (batch first).
struct OpCase {
  std::string op;
  AttrMap attrs;
  std::vector<Dims> inputs;
  bool training = true;
  std::uint64_t rngKey = 1234;
  std::string describe() const;  ///< "Conv2D {filters: 4, ...} inputs [2, 3, 7, 7]"
};

/// The allocated node: tensors in Plain layout, kept between calls.
struct OpRun {
  OpCase spec;
  const Op* op = nullptr;
  Attrs attrs;
  ShapeInfo shape;
  std::vector<Tensor> src, params, saved;
  Tensor dst;
  std::vector<Tensor> diffSrc, diffParams;  ///< filled by backward (empty for buffers)

  /// Runs forward into dst.
  Status forward();
  /// Runs backward with `diffDst`, writing diffSrc/diffParams (trainable params only).
  Status backward(const Tensor& diffDst);
};

/// Resolves attributes, infers shapes and allocates zeroed tensors (params initialised
/// with their InitSpec). Fails with the op's message.
Expected<OpRun> prepareRun(const OpCase& c);

/// Uniform [lo, hi) values into `t`.
void fillUniform(Tensor& t, std::mt19937_64& gen, float lo = -1.0f, float hi = 1.0f);
/// Values with |x| in [minAbs, 1), random sign: keeps piecewise ops away from their kinks.
void fillAwayFromZero(Tensor& t, std::mt19937_64& gen, float minAbs = 0.1f);
/// A random permutation of {0, step, 2 step, ...} shifted to be centred on 0: all
/// values distinct by at least `step`, so max-pooling has no ties.
void fillDistinct(Tensor& t, std::mt19937_64& gen, float step = 0.05f);

/// Fills inputs and params with values suited to the op (see above).
void fillForOp(OpRun& run, std::mt19937_64& gen);

}  // namespace loom::test
