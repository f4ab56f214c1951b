#include "engine/core/utf8.h"

namespace loom {

namespace {
constexpr const char* kHex = "0123456789abcdef";  // for "\xNN" and "0xNN" in messages
}  // namespace

std::optional<std::size_t> firstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return i;
    i += len;
  }
  return std::nullopt;
}

std::string printable(std::string_view s, std::size_t maxBytes) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size() && out.size() < maxBytes) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence is kept whole; anything else is escaped byte by byte.
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len && i + len <= s.size() && !firstInvalidUtf8(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    }
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
    ++i;
  }
  if (i < s.size()) out += "...";
  return out;
}

std::optional<std::string> utf8TextProblem(std::string_view text, const std::string& source) {
  const std::optional<std::size_t> bad = firstInvalidUtf8(text);
  if (!bad) return std::nullopt;
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < *bad; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {  // a continuation byte is part of the last character
      ++column;
    }
  }
  const auto b = static_cast<unsigned char>(text[*bad]);
  return source + ":" + std::to_string(line) + ":" + std::to_string(column) +
         ": not UTF-8 text (byte 0x" + kHex[b >> 4] + kHex[b & 15] + " at byte offset " +
         std::to_string(*bad) + ")";
}

}  // namespace loom
