// TFRecord framing of TensorBoard event files (FORMATS.md §1.2; docs/events.md).
//
//   offset 0            8 bytes  uint64 little-endian payload length
//   offset 8            4 bytes  masked CRC-32C of the 8 length bytes
//   offset 12           length   payload (one serialized tensorboard.Event)
//   offset 12+length    4 bytes  masked CRC-32C of the payload
//
// A record is 16 + length bytes. The CRC is CRC-32C (engine/core/crc32c.h); the mask rotates
// it right by 15 bits and adds 0xA282EAD8 (mod 2^32), so that a CRC of data that contains
// CRCs does not degenerate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loom::events {

/// The mask TensorBoard applies to every stored CRC: ((crc >> 15) | (crc << 17)) + 0xA282EAD8.
std::uint32_t maskCrc(std::uint32_t crc);
/// The inverse of maskCrc().
std::uint32_t unmaskCrc(std::uint32_t masked);
/// maskCrc(crc32c(data, size)): the value stored in a record.
std::uint32_t maskedCrc32c(const void* data, std::size_t size);

/// Bytes of a record header (length + its CRC) and of the trailing payload CRC.
inline constexpr std::size_t kRecordHeaderBytes = 12;
inline constexpr std::size_t kRecordFooterBytes = 4;
/// Largest payload a reader accepts (a length above it is corruption, not an allocation):
/// 256 MiB, far above any event Loom or TensorBoard writes (TensorBoard's images and graphs
/// are a few MiB).
inline constexpr std::uint64_t kMaxRecordPayload = std::uint64_t{256} << 20;

/// The complete record (header, payload, footer) of `payload`.
std::string frameRecord(std::string_view payload);

/// What parseRecord() found at the start of a buffer.
enum class RecordParse {
  Complete,      ///< a whole, valid record; `payload` and `recordBytes` are set
  Truncated,     ///< the buffer ends inside the record (incl. an empty buffer): wait for more
  BadLengthCrc,  ///< the header's CRC does not match its length bytes
  TooLong,       ///< the length CRC matches but the length exceeds kMaxRecordPayload
  BadDataCrc,    ///< the payload's CRC does not match
};

struct RecordView {
  std::string_view payload;         ///< points into the parsed buffer
  std::size_t recordBytes = 0;      ///< 16 + payload size
  std::uint64_t claimedLength = 0;  ///< the header's length (set from BadDataCrc/TooLong on)
};

/// Parses the record at the start of `buffer`. Never reads past `buffer`. Truncated is
/// returned only when every byte present is consistent with a valid record (the header
/// CRC is checked as soon as the 12 header bytes are there), so a truncated last record
/// and a corrupt one are told apart wherever the bytes allow.
RecordParse parseRecord(std::string_view buffer, RecordView* out);

/// "bad length CRC", "record length 123456789012 over the 256 MiB limit", "bad data CRC".
std::string describe(RecordParse result, const RecordView& view);

}  // namespace loom::events
