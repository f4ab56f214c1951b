// Op: one layer type. Schema, shape inference, cost, and the reference CPU kernels.
//
// Each op lives in its own pair of files (ops/<name>.h/.cpp, e.g. ops/conv2d.cpp) and is
// registered explicitly by registerBuiltinOps() (ops/builtin_ops.cpp); there are no
// file-static registrars. Backends (backends/*) override kernels only: shape logic, cost
// and parameter definitions always come from the Op.
//
// Conventions (docs/ops.md):
//  * All activations are float32. Shapes include the batch dimension N first.
//  * Reference kernels read and write Plain (row-major, NCHW) tensors only.
//  * Parameters are created by the executor from ShapeInfo::params, in that order, and
//    passed to kernels in the same order. Dense weights are [out, in], Conv2D weights are
//    [out, in/groups, kH, kW] (PyTorch/ONNX layouts), biases [out].
//  * Backward *overwrites* diffSrc and diffParams (never accumulates); the executor sums
//    gradients where an output feeds several consumers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/attr.h"

namespace loom {

struct OnnxExportContext;  // ops/onnx_mapping.h
struct OnnxFragment;

/// How a parameter is filled before training. Names follow Keras/PyTorch.
enum class InitKind { Zeros, Ones, Constant, GlorotUniform, GlorotNormal, HeUniform, HeNormal };
const char* initKindName(InitKind kind);
std::optional<InitKind> parseInitKind(const std::string& name);

struct InitSpec {
  InitKind kind = InitKind::Zeros;
  double value = 0;        ///< for Constant
  std::int64_t fanIn = 1;  ///< for Glorot/He
  std::int64_t fanOut = 1;
};

/// Fills `t` according to `spec` from the counter-based stream `key` (see core/rng.h).
void initializeTensor(Tensor& t, const InitSpec& spec, std::uint64_t key);

struct AttrSpec {
  std::string name;
  AttrType type = AttrType::Int;
  AttrValue defaultValue;            ///< used when the node does not set it
  bool required = false;             ///< no default: the node must set it
  std::optional<double> min, max;    ///< inclusive range for Int/Float (each element of Ints)
  std::vector<std::string> choices;  ///< allowed values for String (an enum)
  int tupleSize = 0;                 ///< for Ints: required length (0 = any); a single Int is
                                     ///< accepted and broadcast, e.g. kernel_size: 5 -> [5, 5]
  std::string doc;
};

struct OpSchema {
  std::string name;      ///< "Conv2D"
  std::string category;  ///< palette group: "Input", "Core", "Convolution", "Pooling",
                         ///< "Normalization", "Activation", "Shape", "Merge", "Regularization"
  std::string doc;       ///< one paragraph, shown in the palette tooltip
  std::vector<std::string> inputNames;  ///< port names; for a variadic op, the first port's name
  int minInputs = 1;
  int maxInputs = 1;  ///< -1 = unbounded (Add, Concat)
  std::vector<AttrSpec> attrs;
};

/// Attributes of one node with schema defaults filled in and types checked.
class Attrs {
 public:
  Attrs() = default;
  Attrs(const OpSchema* schema, AttrMap values) : m_schema(schema), m_values(std::move(values)) {}

  std::int64_t i(const std::string& name) const;
  double f(const std::string& name) const;
  bool b(const std::string& name) const;
  const std::string& s(const std::string& name) const;
  const std::vector<std::int64_t>& ints(const std::string& name) const;
  const AttrMap& values() const { return m_values; }
  /// The schema these values were resolved against (null for default-constructed Attrs).
  const OpSchema* schema() const { return m_schema; }

 private:
  const OpSchema* m_schema = nullptr;
  AttrMap m_values;  // complete: every schema attribute present, tuples expanded
};

/// Checks a node's raw attributes against the schema (unknown names, types, ranges,
/// choices, tuple sizes) and returns the completed set. Messages name the attribute,
/// the value and the allowed range, e.g. `attribute "stride" = 0 is below its minimum 1`.
Expected<Attrs> resolveAttrs(const OpSchema& schema, const AttrMap& raw);

struct ParamInfo {
  std::string name;  ///< short name: "weights", "bias", "gamma", "beta", "running_mean", ...
  Dims dims;
  bool trainable = true;  ///< false for buffers such as BatchNorm running statistics
  InitSpec init;
};

struct ShapeInfo {
  Dims output;
  std::vector<ParamInfo> params;
};

struct Cost {
  std::int64_t params = 0;           ///< trainable parameter count
  std::int64_t flops = 0;            ///< forward FLOPs for the whole batch (multiply-add = 2)
  std::int64_t activationBytes = 0;  ///< bytes of the output for the whole batch
};

/// Everything a kernel sees for one node and one call. Pointers are non-owning.
struct KernelArgs {
  const Attrs* attrs = nullptr;
  bool training = false;
  std::uint64_t rngKey = 0;        ///< per (seed, epoch, step, node); for Dropout
  std::vector<const Tensor*> src;  ///< inputs
  Tensor* dst = nullptr;           ///< output, preallocated
  std::vector<Tensor*> params;     ///< in ShapeInfo::params order
  // backward only:
  const Tensor* diffDst = nullptr;
  std::vector<Tensor*> diffSrc;     ///< nullptr where the gradient is not needed
  std::vector<Tensor*> diffParams;  ///< nullptr for non-trainable params
  /// Op-owned state kept from forward to backward of the same step (dropout mask,
  /// batch statistics). Persistent across steps so allocations happen once.
  std::vector<Tensor>* saved = nullptr;
};

class Op {
 public:
  virtual ~Op() = default;
  virtual const OpSchema& schema() const = 0;

  /// Output shape and parameter definitions from input shapes (batch first). Errors name
  /// the argument and both values but not the node (the caller adds "node \"x\": ").
  virtual Expected<ShapeInfo> inferShapes(const std::vector<Dims>& inputs,
                                          const Attrs& attrs) const = 0;

  /// Parameter count, forward FLOPs and activation bytes. Default: params from
  /// ShapeInfo (trainable only), zero FLOPs, output bytes.
  virtual Cost cost(const std::vector<Dims>& inputs, const ShapeInfo& info,
                    const Attrs& attrs) const;

  /// Reference forward/backward: plain loops, Plain layout, the ground truth for backends.
  virtual Status forward(KernelArgs& args) const = 0;
  virtual Status backward(KernelArgs& args) const = 0;

  /// True if the op behaves differently in training (Dropout, BatchNorm).
  virtual bool hasTrainingMode() const { return false; }

  /// The node's inference-mode ONNX form (ops/onnx_mapping.h), written into `out`.
  /// Unsupported, with the reason, when the op (or this use of it) has no faithful ONNX
  /// form at ctx.opset; the exporter lists every such node before writing anything.
  /// Default: Unsupported ("<op> has no ONNX mapping").
  virtual Status toOnnx(const OnnxExportContext& ctx, OnnxFragment& out) const;
};

/// The set of known ops. Filled by registerBuiltinOps() and plugins; read-only after start.
class OpRegistry {
 public:
  /// The process-wide registry; registerBuiltinOps() has been called on it.
  static OpRegistry& global();

  Status add(std::unique_ptr<Op> op);  ///< fails if the name is taken
  const Op* find(const std::string& name) const;
  /// All ops in registration order.
  std::vector<const Op*> all() const;

 private:
  std::vector<std::unique_ptr<Op>> m_ops;
};

/// Registers every built-in op into `registry` (idempotent per registry).
void registerBuiltinOps(OpRegistry& registry);

}  // namespace loom
