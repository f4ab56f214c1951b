#include "engine/ops/attr.h"

#include <sstream>

namespace loom {

const char* attrTypeName(AttrType type) {
  switch (type) {
    case AttrType::Int:
      return "int";
    case AttrType::Float:
      return "float";
    case AttrType::Bool:
      return "bool";
    case AttrType::String:
      return "string";
    case AttrType::Ints:
      return "ints";
    case AttrType::Floats:
      return "floats";
  }
  return "?";
}

AttrType attrTypeOf(const AttrValue& value) {
  return static_cast<AttrType>(value.index());
}

std::string attrToString(const AttrValue& value) {
  std::ostringstream os;
  switch (attrTypeOf(value)) {
    case AttrType::Int:
      os << std::get<std::int64_t>(value);
      break;
    case AttrType::Float:
      os << std::get<double>(value);
      break;
    case AttrType::Bool:
      os << (std::get<bool>(value) ? "true" : "false");
      break;
    case AttrType::String:
      os << '"' << std::get<std::string>(value) << '"';
      break;
    case AttrType::Ints: {
      const auto& v = std::get<std::vector<std::int64_t>>(value);
      os << '[';
      for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
      os << ']';
      break;
    }
    case AttrType::Floats: {
      const auto& v = std::get<std::vector<double>>(value);
      os << '[';
      for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
      os << ']';
      break;
    }
  }
  return os.str();
}

}  // namespace loom
