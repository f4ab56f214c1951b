#include "engine/ops/op_helpers.h"

namespace loom {

const std::vector<std::string>& initializerChoices() {
  static const std::vector<std::string> choices = {"glorot_uniform", "glorot_normal", "he_uniform",
                                                   "he_normal",      "zeros",         "ones"};
  return choices;
}

AttrSpec intAttr(std::string name, std::optional<std::int64_t> def, std::optional<double> min,
                 std::optional<double> max, std::string doc) {
  AttrSpec s;
  s.name = std::move(name);
  s.type = AttrType::Int;
  s.required = !def.has_value();
  s.defaultValue = def.value_or(0);
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

AttrSpec floatAttr(std::string name, double def, std::optional<double> min,
                   std::optional<double> max, std::string doc) {
  AttrSpec s;
  s.name = std::move(name);
  s.type = AttrType::Float;
  s.defaultValue = def;
  s.min = min;
  s.max = max;
  s.doc = std::move(doc);
  return s;
}

AttrSpec boolAttr(std::string name, bool def, std::string doc) {
  AttrSpec s;
  s.name = std::move(name);
  s.type = AttrType::Bool;
  s.defaultValue = def;
  s.doc = std::move(doc);
  return s;
}

AttrSpec stringAttr(std::string name, std::string def, std::vector<std::string> choices,
                    std::string doc) {
  AttrSpec s;
  s.name = std::move(name);
  s.type = AttrType::String;
  s.defaultValue = std::move(def);
  s.choices = std::move(choices);
  s.doc = std::move(doc);
  return s;
}

AttrSpec intsAttr(std::string name, std::optional<std::vector<std::int64_t>> def, int tupleSize,
                  std::optional<double> min, std::string doc) {
  AttrSpec s;
  s.name = std::move(name);
  s.type = AttrType::Ints;
  s.required = !def.has_value();
  s.defaultValue = def.value_or(std::vector<std::int64_t>{});
  s.tupleSize = tupleSize;
  s.min = min;
  s.doc = std::move(doc);
  return s;
}

InitSpec initSpec(const std::string& name, std::int64_t fanIn, std::int64_t fanOut) {
  InitSpec spec;
  // The schema restricts the name to initializerChoices(), all of which parse.
  spec.kind = parseInitKind(name).value_or(InitKind::Zeros);
  spec.fanIn = fanIn;
  spec.fanOut = fanOut;
  return spec;
}

std::vector<AttrSpec> weightsAndBiasAttrs(std::string useBiasDoc) {
  return {
      boolAttr("use_bias", true, std::move(useBiasDoc)),
      stringAttr("kernel_initializer", "glorot_uniform", initializerChoices(),
                 "initialiser of the weights"),
      stringAttr("bias_initializer", "zeros", initializerChoices(), "initialiser of the bias"),
  };
}

void addWeightsAndBias(ShapeInfo& info, const Attrs& attrs, Dims weightDims, std::int64_t biasSize,
                       std::int64_t fanIn, std::int64_t fanOut) {
  info.params.push_back({"weights", std::move(weightDims), true,
                         initSpec(attrs.s("kernel_initializer"), fanIn, fanOut)});
  if (attrs.b("use_bias"))
    info.params.push_back(
        {"bias", {biasSize}, true, initSpec(attrs.s("bias_initializer"), fanIn, fanOut)});
}

std::int64_t productFrom(const Dims& dims, size_t from) {
  std::int64_t p = 1;  // saturates: analysis then reports the size (graph/analysis.cpp)
  for (size_t i = from; i < dims.size(); ++i)
    if (__builtin_mul_overflow(p, dims[i], &p)) return INT64_MAX;
  return p;
}

Expected<int> resolveAxis(std::int64_t axis, const Dims& shape, const char* attrName) {
  const auto rank = static_cast<std::int64_t>(shape.size());
  const std::int64_t resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank)
    return invalidArgument(std::string("attribute \"") + attrName + "\" = " + std::to_string(axis) +
                           " is out of range for an input of rank " + std::to_string(rank) +
                           " (shape " + dimsToString(shape) + ")");
  return static_cast<int>(resolved);
}

namespace {
Status checkTensor(const Tensor* t, const char* role, size_t index) {
  if (t == nullptr) return Status::ok();
  if (t->empty() || t->dtype() != DType::F32 || t->layout() != Layout::Plain)
    return internalError(std::string("reference kernel needs a plain float32 tensor for ") + role +
                         " " + std::to_string(index) + ", got " + dtypeName(t->dtype()) + " " +
                         layoutName(t->layout()) + (t->empty() ? " (empty)" : ""));
  return Status::ok();
}
}  // namespace

Status checkReferenceArgs(const KernelArgs& args, bool backward) {
  if (args.attrs == nullptr) return internalError("kernel called without attributes");
  for (size_t i = 0; i < args.src.size(); ++i) {
    if (args.src[i] == nullptr)
      return internalError("kernel called without src " + std::to_string(i));
    LOOM_RETURN_IF_ERROR(checkTensor(args.src[i], "src", i));
  }
  for (size_t i = 0; i < args.params.size(); ++i)
    LOOM_RETURN_IF_ERROR(checkTensor(args.params[i], "param", i));
  if (!backward) {
    if (args.dst == nullptr) return internalError("forward called without dst");
    return checkTensor(args.dst, "dst", 0);
  }
  if (args.diffDst == nullptr) return internalError("backward called without diffDst");
  LOOM_RETURN_IF_ERROR(checkTensor(args.diffDst, "diffDst", 0));
  for (size_t i = 0; i < args.diffSrc.size(); ++i)
    LOOM_RETURN_IF_ERROR(checkTensor(args.diffSrc[i], "diffSrc", i));
  for (size_t i = 0; i < args.diffParams.size(); ++i)
    LOOM_RETURN_IF_ERROR(checkTensor(args.diffParams[i], "diffParam", i));
  return Status::ok();
}

Tensor* diffSrcAt(const KernelArgs& args, size_t i) {
  return i < args.diffSrc.size() ? args.diffSrc[i] : nullptr;
}

Tensor* diffParamAt(const KernelArgs& args, size_t i) {
  return i < args.diffParams.size() ? args.diffParams[i] : nullptr;
}

std::string shapePairMessage(size_t i, const Dims& a, size_t j, const Dims& b) {
  return "input " + std::to_string(i) + " has shape " + dimsToString(a) + " but input " +
         std::to_string(j) + " has " + dimsToString(b);
}

}  // namespace loom
