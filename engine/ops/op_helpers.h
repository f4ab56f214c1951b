// Helpers shared by the built-in ops: attribute-spec builders, shape checks and kernel
// argument checks. Internal to engine/ops (plugins may use them too; they are stable).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/ops/op.h"

namespace loom {

/// The initialiser names a layer attribute may take (kernel_initializer, bias_initializer).
const std::vector<std::string>& initializerChoices();

/// Attribute specs. A spec built without a default value is required.
AttrSpec intAttr(std::string name, std::optional<std::int64_t> def, std::optional<double> min,
                 std::optional<double> max, std::string doc);
AttrSpec floatAttr(std::string name, double def, std::optional<double> min,
                   std::optional<double> max, std::string doc);
AttrSpec boolAttr(std::string name, bool def, std::string doc);
AttrSpec stringAttr(std::string name, std::string def, std::vector<std::string> choices,
                    std::string doc);
/// Ints with `tupleSize` elements (0 = any length), each element >= `min`.
AttrSpec intsAttr(std::string name, std::optional<std::vector<std::int64_t>> def, int tupleSize,
                  std::optional<double> min, std::string doc);

/// InitSpec for an initialiser name from initializerChoices() and the layer's fans.
InitSpec initSpec(const std::string& name, std::int64_t fanIn, std::int64_t fanOut);

/// use_bias, kernel_initializer, bias_initializer: the attributes of a layer with learned
/// weights and an optional bias (Dense, Conv2D). `useBiasDoc` documents use_bias.
std::vector<AttrSpec> weightsAndBiasAttrs(std::string useBiasDoc);
/// Appends the trainable "weights" param of `weightDims` and, when attribute use_bias is
/// set, the trainable "bias" param of [biasSize], initialised as weightsAndBiasAttrs() says
/// with the layer's fans.
void addWeightsAndBias(ShapeInfo& info, const Attrs& attrs, Dims weightDims, std::int64_t biasSize,
                       std::int64_t fanIn, std::int64_t fanOut);

/// Product of dims[from..] (1 for an empty range).
std::int64_t productFrom(const Dims& dims, size_t from);

/// Resolves a possibly negative axis against `rank` ("-1 = last"). Error names the
/// attribute, the value and the shape.
Expected<int> resolveAxis(std::int64_t axis, const Dims& shape, const char* attrName);

/// Checks that every tensor a reference kernel reads or writes is a Plain F32 tensor of
/// the expected size (the executor converts layouts before calling a reference kernel).
Status checkReferenceArgs(const KernelArgs& args, bool backward);

/// args.diffSrc[i] / args.diffParams[i], or nullptr when absent or not wanted.
Tensor* diffSrcAt(const KernelArgs& args, size_t i);
Tensor* diffParamAt(const KernelArgs& args, size_t i);

/// "input 1 has shape [2, 3] but input 0 has [2, 4]"
std::string shapePairMessage(size_t i, const Dims& a, size_t j, const Dims& b);

}  // namespace loom
