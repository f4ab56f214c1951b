// Op registry, attribute resolution and parameter initialisers (shared by all ops).
#include "engine/ops/op.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <sstream>

#include "engine/core/rng.h"
#include "engine/ops/onnx_mapping.h"

namespace loom {

const char* initKindName(InitKind kind) {
  switch (kind) {
    case InitKind::Zeros:
      return "zeros";
    case InitKind::Ones:
      return "ones";
    case InitKind::Constant:
      return "constant";
    case InitKind::GlorotUniform:
      return "glorot_uniform";
    case InitKind::GlorotNormal:
      return "glorot_normal";
    case InitKind::HeUniform:
      return "he_uniform";
    case InitKind::HeNormal:
      return "he_normal";
  }
  return "?";
}

std::optional<InitKind> parseInitKind(const std::string& name) {
  for (InitKind k : {InitKind::Zeros, InitKind::Ones, InitKind::Constant, InitKind::GlorotUniform,
                     InitKind::GlorotNormal, InitKind::HeUniform, InitKind::HeNormal})
    if (name == initKindName(k)) return k;
  return std::nullopt;
}

void initializeTensor(Tensor& t, const InitSpec& spec, std::uint64_t key) {
  assert(t.dtype() == DType::F32);
  float* p = t.f32();
  const std::int64_t n = t.numel();
  const double fanIn = static_cast<double>(std::max<std::int64_t>(1, spec.fanIn));
  const double fanAvg = (fanIn + static_cast<double>(std::max<std::int64_t>(1, spec.fanOut))) / 2.0;
  Philox rng(key);
  switch (spec.kind) {
    case InitKind::Zeros:
      t.fill(0.0f);
      return;
    case InitKind::Ones:
      t.fill(1.0f);
      return;
    case InitKind::Constant:
      t.fill(static_cast<float>(spec.value));
      return;
    case InitKind::GlorotUniform: {  // U(-a, a), a = sqrt(3 / fan_avg) = sqrt(6 / (in + out))
      const float a = static_cast<float>(std::sqrt(3.0 / fanAvg));
      for (std::int64_t i = 0; i < n; ++i) p[i] = (2.0f * rng.uniform() - 1.0f) * a;
      return;
    }
    case InitKind::GlorotNormal: {
      const float s = static_cast<float>(std::sqrt(1.0 / fanAvg));
      for (std::int64_t i = 0; i < n; ++i) p[i] = rng.normal() * s;
      return;
    }
    case InitKind::HeUniform: {  // U(-a, a), a = sqrt(6 / fan_in)
      const float a = static_cast<float>(std::sqrt(6.0 / fanIn));
      for (std::int64_t i = 0; i < n; ++i) p[i] = (2.0f * rng.uniform() - 1.0f) * a;
      return;
    }
    case InitKind::HeNormal: {
      const float s = static_cast<float>(std::sqrt(2.0 / fanIn));
      for (std::int64_t i = 0; i < n; ++i) p[i] = rng.normal() * s;
      return;
    }
  }
}

// ---- Attrs ----

namespace {
const AttrValue& lookup(const AttrMap& values, const std::string& name) {
  auto it = values.find(name);
  assert(it != values.end() && "attribute not in schema");
  return it->second;
}
}  // namespace

std::int64_t Attrs::i(const std::string& name) const {
  return std::get<std::int64_t>(lookup(m_values, name));
}
double Attrs::f(const std::string& name) const {
  return std::get<double>(lookup(m_values, name));
}
bool Attrs::b(const std::string& name) const {
  return std::get<bool>(lookup(m_values, name));
}
const std::string& Attrs::s(const std::string& name) const {
  return std::get<std::string>(lookup(m_values, name));
}
const std::vector<std::int64_t>& Attrs::ints(const std::string& name) const {
  return std::get<std::vector<std::int64_t>>(lookup(m_values, name));
}

namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Status checkRange(const AttrSpec& spec, double v, const std::string& shown) {
  if (spec.min && v < *spec.min)
    return invalidArgument("attribute \"" + spec.name + "\" = " + shown + " is below its minimum " +
                           fmt(*spec.min));
  if (spec.max && v > *spec.max)
    return invalidArgument("attribute \"" + spec.name + "\" = " + shown + " is above its maximum " +
                           fmt(*spec.max));
  return Status::ok();
}

// Converts a raw value to the schema's type where the conversion is lossless and
// natural (int -> float, int -> tuple), then checks it.
Expected<AttrValue> coerce(const AttrSpec& spec, const AttrValue& raw) {
  const AttrType got = attrTypeOf(raw);
  AttrValue v = raw;
  if (spec.type == AttrType::Float && got == AttrType::Int)
    v = static_cast<double>(std::get<std::int64_t>(raw));
  if (spec.type == AttrType::Ints && got == AttrType::Int)
    v = std::vector<std::int64_t>(static_cast<size_t>(std::max(1, spec.tupleSize)),
                                  std::get<std::int64_t>(raw));
  if (attrTypeOf(v) != spec.type)
    return invalidArgument("attribute \"" + spec.name + "\" must be " + attrTypeName(spec.type) +
                           ", got " + attrTypeName(got) + " " + attrToString(raw));
  switch (spec.type) {
    case AttrType::Int:
      LOOM_RETURN_IF_ERROR(
          checkRange(spec, static_cast<double>(std::get<std::int64_t>(v)), attrToString(v)));
      break;
    case AttrType::Float: {
      double d = std::get<double>(v);
      if (!std::isfinite(d))
        return invalidArgument("attribute \"" + spec.name + "\" = " + attrToString(v) +
                               " is not finite");
      LOOM_RETURN_IF_ERROR(checkRange(spec, d, attrToString(v)));
      break;
    }
    case AttrType::Ints: {
      const auto& xs = std::get<std::vector<std::int64_t>>(v);
      if (spec.tupleSize > 0 && static_cast<int>(xs.size()) != spec.tupleSize)
        return invalidArgument("attribute \"" + spec.name + "\" = " + attrToString(v) +
                               " must have " + std::to_string(spec.tupleSize) + " elements");
      for (auto x : xs)
        LOOM_RETURN_IF_ERROR(checkRange(spec, static_cast<double>(x), attrToString(v)));
      break;
    }
    case AttrType::String: {
      const auto& s = std::get<std::string>(v);
      if (!spec.choices.empty() &&
          std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
        std::string list;
        for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
        return invalidArgument("attribute \"" + spec.name + "\" = \"" + s +
                               "\" is not one of: " + list);
      }
      break;
    }
    case AttrType::Bool:
    case AttrType::Floats:
      break;
  }
  return v;
}
}  // namespace

Expected<Attrs> resolveAttrs(const OpSchema& schema, const AttrMap& raw) {
  for (const auto& [name, value] : raw) {
    bool known = false;
    for (const auto& spec : schema.attrs) known |= spec.name == name;
    if (!known) {
      std::string list;
      for (const auto& spec : schema.attrs) list += (list.empty() ? "" : ", ") + spec.name;
      return invalidArgument("unknown attribute \"" + name + "\" for " + schema.name +
                             (list.empty() ? " (it takes none)" : " (known: " + list + ")"));
    }
  }
  AttrMap complete;
  for (const auto& spec : schema.attrs) {
    auto it = raw.find(spec.name);
    if (it == raw.end()) {
      if (spec.required) return invalidArgument("attribute \"" + spec.name + "\" is required");
      LOOM_ASSIGN_OR_RETURN(complete[spec.name], coerce(spec, spec.defaultValue));
      continue;
    }
    LOOM_ASSIGN_OR_RETURN(complete[spec.name], coerce(spec, it->second));
  }
  return Attrs(&schema, std::move(complete));
}

Cost Op::cost(const std::vector<Dims>& inputs, const ShapeInfo& info, const Attrs& attrs) const {
  Cost c;
  for (const auto& p : info.params)
    if (p.trainable) c.params += numElements(p.dims);
  c.activationBytes = numElements(info.output) * 4;
  return c;
}

// ---- registry ----

OpRegistry& OpRegistry::global() {
  static OpRegistry* registry = [] {
    auto* r = new OpRegistry;  // never destroyed: ops may be used during static teardown
    registerBuiltinOps(*r);
    return r;
  }();
  return *registry;
}

Status OpRegistry::add(std::unique_ptr<Op> op) {
  if (find(op->schema().name))
    return invalidArgument("op \"" + op->schema().name + "\" is already registered");
  m_ops.push_back(std::move(op));
  return Status::ok();
}

const Op* OpRegistry::find(const std::string& name) const {
  for (const auto& op : m_ops)
    if (op->schema().name == name) return op.get();
  return nullptr;
}

std::vector<const Op*> OpRegistry::all() const {
  std::vector<const Op*> out;
  for (const auto& op : m_ops) out.push_back(op.get());
  return out;
}

Status Op::toOnnx(const OnnxExportContext&, OnnxFragment&) const {
  return unsupported(schema().name + " has no ONNX mapping");
}

}  // namespace loom
