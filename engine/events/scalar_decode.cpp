#include "engine/events/scalar_decode.h"

#include <cmath>
#include <cstring>

namespace loom::events {
namespace {

using Byte = unsigned char;

/// Protobuf wire types (encoding.md): the ones a scalar event uses.
constexpr unsigned kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

/// A varint of at most `maxBytes` bytes (10 for a 64-bit value; 5 for keys and lengths, which
/// protobuf reads as 32-bit: a longer encoding goes to the full parse, which decides).
bool readVarint(const Byte*& p, const Byte* end, std::uint64_t* v, int maxBytes = 10) {
  std::uint64_t out = 0;
  for (int shift = 0; shift < 7 * maxBytes; shift += 7) {
    if (p == end) return false;
    const Byte b = *p++;
    out |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80u) == 0) {
      *v = out;
      return true;
    }
  }
  return false;  // longer than maxBytes
}

/// Reads a field key; false at a malformed key or field number 0.
bool readKey(const Byte*& p, const Byte* end, std::uint32_t* field, unsigned* wireType) {
  std::uint64_t key = 0;
  if (!readVarint(p, end, &key, 5) || (key >> 3) == 0 || (key >> 3) > 0x1FFFFFFF) return false;
  *field = static_cast<std::uint32_t>(key >> 3);
  *wireType = static_cast<unsigned>(key & 7);
  return true;
}

/// A length-delimited field's bytes; false when the length runs past `end`.
bool readBytes(const Byte*& p, const Byte* end, std::string_view* out) {
  std::uint64_t n = 0;
  if (!readVarint(p, end, &n, 5) || n > static_cast<std::uint64_t>(end - p)) return false;
  *out = std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  p += n;
  return true;
}

/// protobuf rejects a proto3 string that is not UTF-8; ASCII is always valid, so anything
/// else goes to the full parse, which decides.
bool isAscii(std::string_view s) {
  for (const char c : s)
    if (static_cast<Byte>(c) >= 0x80) return false;
  return true;
}

/// Summary.Value: tag (1), node_name (7), simple_value (2), nothing else.
bool readValue(std::string_view bytes, ScalarEvent::Value* out) {
  auto p = reinterpret_cast<const Byte*>(bytes.data());
  const Byte* end = p + bytes.size();
  std::string_view tag, nodeName;
  bool hasValue = false;
  while (p != end) {
    std::uint32_t field = 0;
    unsigned wt = 0;
    if (!readKey(p, end, &field, &wt)) return false;
    if ((field == 1 || field == 7) && wt == kLengthDelimited) {
      if (!readBytes(p, end, field == 1 ? &tag : &nodeName)) return false;
    } else if (field == 2 && wt == kFixed32) {
      if (end - p < 4) return false;
      std::memcpy(&out->value, p, 4);  // little-endian, as on every platform Loom builds for
      p += 4;
      hasValue = true;
    } else {
      return false;
    }
  }
  if (!hasValue || !isAscii(tag) || !isAscii(nodeName)) return false;
  out->tag = tag.empty() ? nodeName : tag;
  return true;
}

/// Summary: repeated Value (1), nothing else. Appends to out->values.
bool readSummary(std::string_view bytes, ScalarEvent* out) {
  auto p = reinterpret_cast<const Byte*>(bytes.data());
  const Byte* end = p + bytes.size();
  while (p != end) {
    std::uint32_t field = 0;
    unsigned wt = 0;
    std::string_view value;
    if (!readKey(p, end, &field, &wt) || field != 1 || wt != kLengthDelimited ||
        !readBytes(p, end, &value)) {
      return false;
    }
    ScalarEvent::Value v;
    if (!readValue(value, &v)) return false;
    out->values.push_back(v);
  }
  return true;
}

}  // namespace

bool decodeScalarEvent(std::string_view payload, ScalarEvent* out) {
  out->wallTime = 0;
  out->step = 0;
  out->values.clear();
  auto p = reinterpret_cast<const Byte*>(payload.data());
  const Byte* end = p + payload.size();
  bool hasSummary = false;
  while (p != end) {
    std::uint32_t field = 0;
    unsigned wt = 0;
    if (!readKey(p, end, &field, &wt)) return false;
    if (field == 1 && wt == kFixed64) {
      if (end - p < 8) return false;
      std::memcpy(&out->wallTime, p, 8);
      p += 8;
    } else if (field == 2 && wt == kVarint) {
      std::uint64_t step = 0;
      if (!readVarint(p, end, &step)) return false;
      out->step = static_cast<std::int64_t>(step);
    } else if (field == 5 && wt == kLengthDelimited) {
      std::string_view summary;
      if (!readBytes(p, end, &summary) || !readSummary(summary, out)) return false;
      hasSummary = true;  // a repeated summary merges, as protobuf does: values append
    } else {
      return false;
    }
  }
  return hasSummary && !out->values.empty() && !std::isnan(out->wallTime);
}

}  // namespace loom::events
