// Typed attribute values: what an op's schema declares (AttrSpec, ops/op.h) and what a
// graph node stores (Node::attrs, graph/graph.h). They live in ops/ because the schema is
// where an attribute is defined; graph/ depends on ops/, never the other way round.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace loom {

enum class AttrType { Int, Float, Bool, String, Ints, Floats };
const char* attrTypeName(AttrType type);

/// One attribute value. Ints holds tuples such as kernel sizes [kH, kW] and shapes.
using AttrValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::int64_t>,
                               std::vector<double>>;

AttrType attrTypeOf(const AttrValue& value);
/// Human-readable, e.g. `5`, `0.1`, `true`, `"same"`, `[5, 5]`.
std::string attrToString(const AttrValue& value);

using AttrMap = std::map<std::string, AttrValue>;

}  // namespace loom
