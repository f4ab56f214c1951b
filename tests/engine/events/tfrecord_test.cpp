// TFRecord framing against known answers: CRC-32C (RFC 3720 B.4), TensorBoard's masked-CRC
// test vector, and the byte-exact records of FORMATS.md §1.2 (written there by an
// independent writer).
#include "engine/events/tfrecord.h"

#include <gtest/gtest.h>

#include "engine/core/crc32c.h"
#include "engine/events/event_writer.h"
#include "tests/engine/events/events_test_util.h"

namespace loom::events {
namespace {

using test::fromHex;

TEST(EventsCrc, KnownAnswers) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  const std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  const std::string tb = std::string("\x1a\x11", 2) + "CRC test, one two";
  EXPECT_EQ(maskedCrc32c(tb.data(), tb.size()), 0x5794D08Au);
}

TEST(EventsCrc, UnmaskInvertsMask) {
  for (std::uint32_t v : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x80000000u, 0x12345678u}) {
    EXPECT_EQ(unmaskCrc(maskCrc(v)), v);
  }
}

const char* kFileVersionRecord =
    "1800000000000000a37f4b220900000040fc54d9411a0d627261696e2e4576656e743a32eced8f9d";
const char* kScalarRecord =
    "200000000000000029eda9500900006040fc54d941100a2a130a110a0a6c6f73732f747261696e150000803e"
    "c7ad6bd8";

TEST(EventsRecord, FileVersionRecordIsByteExact) {
  const std::string record = frameRecord(serializeFileVersionEvent(1700000000.0, "brain.Event:2"));
  EXPECT_EQ(record, fromHex(kFileVersionRecord));
  EXPECT_EQ(record.size(), 40u);
}

TEST(EventsRecord, ScalarRecordIsByteExact) {
  const std::string record =
      frameRecord(serializeScalarEvent(1700000001.5, 10, "loss/train", 0.25f));
  EXPECT_EQ(record, fromHex(kScalarRecord));
}

TEST(EventsRecord, ParseReadsTheKnownRecordsAndRefusesDamage) {
  const std::string record = fromHex(kScalarRecord);
  RecordView view;
  ASSERT_EQ(parseRecord(record, &view), RecordParse::Complete);
  EXPECT_EQ(view.recordBytes, record.size());
  EXPECT_EQ(view.payload, record.substr(12, record.size() - 16));
  for (std::size_t cut = 0; cut < record.size(); ++cut) {
    EXPECT_EQ(parseRecord(std::string_view(record).substr(0, cut), &view), RecordParse::Truncated)
        << cut;
  }
  std::string badLength = record;
  badLength[0] ^= 1;
  EXPECT_EQ(parseRecord(badLength, &view), RecordParse::BadLengthCrc);
  std::string badData = record;
  badData[20] ^= 1;
  EXPECT_EQ(parseRecord(badData, &view), RecordParse::BadDataCrc);
  std::string badFooter = record;
  badFooter.back() ^= 1;
  EXPECT_EQ(parseRecord(badFooter, &view), RecordParse::BadDataCrc);
}

TEST(EventsRecord, HugeLengthIsCorruptionNotAnAllocation) {
  std::string header(8, '\0');
  header[5] = 1;  // 2^40 bytes
  const std::uint32_t crc = maskedCrc32c(header.data(), 8);
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  RecordView view;
  EXPECT_EQ(parseRecord(header, &view), RecordParse::TooLong);
  EXPECT_NE(describe(RecordParse::TooLong, view).find("1099511627776"), std::string::npos);
}

}  // namespace
}  // namespace loom::events
