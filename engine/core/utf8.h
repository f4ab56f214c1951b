// UTF-8 validation for strings that come from files (model names, node names, paths).
// A name that is not UTF-8 cannot be written to run.json, shown in the studio or exported,
// so it is refused where it is parsed, with the offset of the first bad byte.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace loom {

/// Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629:
/// no overlong forms, no surrogates, nothing above U+10FFFF), or nullopt if `s` is valid.
std::optional<std::size_t> firstInvalidUtf8(std::string_view s);

/// `s` made safe to print in a message: control bytes and bytes that are not well-formed
/// UTF-8 become "\xNN", and a text longer than `maxBytes` is cut with "..." (a damaged file's
/// name or hash must not put raw bytes, newlines or 5,000 characters into an error).
std::string printable(std::string_view s, std::size_t maxBytes = 80);

/// For a whole text file's contents: nullopt if `text` is valid UTF-8, otherwise the message
/// "SOURCE:LINE:COLUMN: not UTF-8 text (byte 0xNN at byte offset K)". Lines and columns count
/// from 1; the column counts characters, not bytes (the text before the bad byte is valid, so
/// an editor's column agrees).
std::optional<std::string> utf8TextProblem(std::string_view text, const std::string& source);

}  // namespace loom
