#include "engine/events/tfrecord.h"

#include <cstring>

#include "engine/core/crc32c.h"

namespace loom::events {
namespace {

constexpr std::uint32_t kMaskDelta = 0xA282EAD8u;

std::uint64_t loadU64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint32_t loadU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void storeLe(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::uint32_t maskCrc(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

std::uint32_t unmaskCrc(std::uint32_t masked) {
  const std::uint32_t rotated = masked - kMaskDelta;
  return (rotated << 15) | (rotated >> 17);
}

std::uint32_t maskedCrc32c(const void* data, std::size_t size) {
  return maskCrc(crc32c(data, size));
}

std::string frameRecord(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + kRecordHeaderBytes + kRecordFooterBytes);
  storeLe(out, payload.size(), 8);
  storeLe(out, maskedCrc32c(out.data(), 8), 4);
  out.append(payload);
  storeLe(out, maskedCrc32c(payload.data(), payload.size()), 4);
  return out;
}

RecordParse parseRecord(std::string_view buffer, RecordView* out) {
  *out = RecordView{};
  if (buffer.size() < kRecordHeaderBytes) return RecordParse::Truncated;
  const std::uint64_t length = loadU64(buffer.data());
  out->claimedLength = length;
  if (maskedCrc32c(buffer.data(), 8) != loadU32(buffer.data() + 8)) {
    return RecordParse::BadLengthCrc;
  }
  if (length > kMaxRecordPayload) return RecordParse::TooLong;
  const std::size_t total =
      static_cast<std::size_t>(length) + kRecordHeaderBytes + kRecordFooterBytes;
  if (buffer.size() < total) return RecordParse::Truncated;
  const std::string_view payload = buffer.substr(kRecordHeaderBytes, length);
  if (maskedCrc32c(payload.data(), payload.size()) !=
      loadU32(buffer.data() + kRecordHeaderBytes + length)) {
    return RecordParse::BadDataCrc;
  }
  out->payload = payload;
  out->recordBytes = total;
  return RecordParse::Complete;
}

std::string describe(RecordParse result, const RecordView& view) {
  switch (result) {
    case RecordParse::Complete:
      return "complete record";
    case RecordParse::Truncated:
      return "truncated record";
    case RecordParse::BadLengthCrc:
      return "bad length CRC (the record header is damaged)";
    case RecordParse::TooLong:
      return "record length " + std::to_string(view.claimedLength) + " over the " +
             std::to_string(kMaxRecordPayload >> 20) + " MiB limit";
    case RecordParse::BadDataCrc:
      return "bad data CRC (the " + std::to_string(view.claimedLength) +
             "-byte payload is damaged)";
  }
  return "unknown record state";
}

}  // namespace loom::events
