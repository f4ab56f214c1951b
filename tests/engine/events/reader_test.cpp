// EventWriter → EventFileReader / LogDirReader: every kind round-trips; a file truncated at
// every byte offset of its last three records still yields every complete record (and the
// rest once it is appended); a corrupt record in one of two runs is reported with file and
// offset while the other run loads; 10,000 events written while a reader polls arrive exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include "engine/events/event_file_reader.h"
#include "engine/events/event_writer.h"
#include "engine/events/log_dir_reader.h"
#include "engine/events/tfrecord.h"
#include "tests/engine/events/events_test_util.h"

namespace loom::events {
namespace {

namespace fs = std::filesystem;
using test::scratch;
using test::slurp;
using test::spit;

/// Offsets of the records of a well-formed file (parsed independently of the reader).
std::vector<std::size_t> recordOffsets(const std::string& bytes) {
  std::vector<std::size_t> offsets;
  std::size_t at = 0;
  while (at < bytes.size()) {
    offsets.push_back(at);
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[at + i]);
    at += 16 + length;
  }
  EXPECT_EQ(at, bytes.size());
  return offsets;
}

std::string writeScalars(const fs::path& dir, int n) {
  auto writer = EventWriter::open(dir.string());
  EXPECT_TRUE(writer.hasValue()) << writer.status().message();
  for (int i = 0; i < n; ++i) (*writer)->scalar("loss", i, 1.0 / (i + 1));
  EXPECT_TRUE((*writer)->close().isOk());
  return (*writer)->path();
}

TEST(EventsWriter, FirstRecordIsFileVersionAndEveryKindRoundTrips) {
  const fs::path dir = scratch("roundtrip");
  auto writer = EventWriter::open(dir.string());
  ASSERT_TRUE(writer.hasValue()) << writer.status().message();
  EventWriter& w = **writer;
  w.scalar("loss/train", 3, 0.25);
  w.tensorScalar("lr", 3, 0.125);
  w.histogram("w", 4, std::vector<float>{1, 2, 2, 3, 3, 3});
  std::vector<std::uint8_t> pixels(2 * 3 * 3);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(10 * i);
  w.image("img", 5, 3, 2, 3, pixels);
  w.text("summary", 0, "| a | b |");
  w.sessionStart({{"lr", 0.01}, {"optimizer", std::string("adam")}, {"augment", true}}, "g");
  w.sessionEnd(SessionStatus::Success);
  ASSERT_TRUE(w.close().isOk());

  EventFileReader reader(w.path());
  const auto polled = reader.poll();
  ASSERT_FALSE(reader.problem()) << reader.problem()->message;
  ASSERT_EQ(polled.events.size(), 8u);
  EXPECT_EQ(polled.events[0].fileVersion, "brain.Event:2");
  EXPECT_GT(polled.events[0].wallTime, 1.6e9);
  const auto& v = polled.events;
  EXPECT_EQ(v[1].values[0].kind, TagKind::Scalar);
  EXPECT_EQ(v[1].step, 3);
  EXPECT_EQ(v[1].values[0].scalar, 0.25);
  EXPECT_EQ(v[2].values[0].kind, TagKind::Scalar);
  EXPECT_EQ(v[2].values[0].scalar, 0.125);
  ASSERT_EQ(v[3].values[0].kind, TagKind::Histogram);
  const Histogram& h = v[3].values[0].histogram;
  EXPECT_EQ(h.num, 6);
  EXPECT_EQ(h.min, 1);
  EXPECT_EQ(h.max, 3);
  EXPECT_EQ(h.sum, 14);
  EXPECT_EQ(h.sumSquares, 1 + 4 + 4 + 9 + 9 + 9);
  ASSERT_EQ(v[4].values[0].kind, TagKind::Image);
  EXPECT_EQ(v[4].values[0].images.at(0).width, 3);
  EXPECT_EQ(v[4].values[0].images.at(0).encoded.substr(1, 3), "PNG");
  EXPECT_EQ(v[5].values[0].kind, TagKind::Text);
  EXPECT_EQ(v[5].values[0].text, "| a | b |");
  ASSERT_EQ(v[6].values[0].kind, TagKind::HParams);
  EXPECT_EQ(std::get<double>(v[6].values[0].hparams.values.at("lr")), 0.01);
  EXPECT_EQ(std::get<std::string>(v[6].values[0].hparams.values.at("optimizer")), "adam");
  EXPECT_TRUE(std::get<bool>(v[6].values[0].hparams.values.at("augment")));
  EXPECT_EQ(v[7].values[0].hparams.endStatus, "success");
}

TEST(EventsWriter, HistogramBucketsFollowTheProtoConvention) {
  // Buckets hold (limits[i-1], limits[i]]: values on an edge belong to the lower bucket.
  std::int64_t bad = 0;
  const std::vector<float> values = {0, 1, 2, 3, 4, std::nanf(""), HUGE_VALF};
  const Histogram h = makeHistogram(values, 4, &bad);
  EXPECT_EQ(bad, 2);
  EXPECT_EQ(h.limits, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(h.counts, (std::vector<double>{2, 1, 1, 1}));
  const Histogram one = makeHistogram(std::vector<float>{5, 5}, 30, &bad);
  EXPECT_EQ(one.limits, (std::vector<double>{5}));
  EXPECT_EQ(one.counts, (std::vector<double>{2}));
}

TEST(EventsWriter, NamesSortInStartOrderAndNeverCollide) {
  const fs::path dir = scratch("names");
  std::vector<std::string> paths;
  for (int i = 0; i < 20; ++i) {
    auto w = EventWriter::open(dir.string());
    ASSERT_TRUE(w.hasValue());
    paths.push_back((*w)->path());
  }
  std::set<std::string> unique(paths.begin(), paths.end());
  EXPECT_EQ(unique.size(), paths.size());
  EXPECT_TRUE(std::is_sorted(paths.begin(), paths.end()));
  for (const auto& p : paths)
    EXPECT_NE(fs::path(p).filename().string().find("tfevents"), std::string::npos);
}

TEST(EventsReader, TruncatedAtEveryByteOfTheLastThreeRecords) {
  const fs::path dir = scratch("truncate");
  const std::string path = writeScalars(dir, 12);
  const std::string whole = slurp(path);
  const auto offsets = recordOffsets(whole);
  ASSERT_EQ(offsets.size(), 13u);
  const fs::path cutFile = dir / "cut.tfevents";
  for (std::size_t cut = offsets[offsets.size() - 3]; cut <= whole.size(); ++cut) {
    spit(cutFile, whole.substr(0, cut));
    // Records that end within the cut.
    std::size_t expected = 0;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      const std::size_t end = i + 1 < offsets.size() ? offsets[i + 1] : whole.size();
      if (end <= cut) ++expected;
    }
    EventFileReader reader(cutFile.string());
    auto first = reader.poll();
    ASSERT_FALSE(reader.problem()) << "cut " << cut << ": " << reader.problem()->message;
    ASSERT_EQ(first.events.size(), expected) << "cut at byte " << cut;
    // The writer finishes the record: the reader picks up exactly the rest.
    spit(cutFile, whole);
    auto rest = reader.poll();
    ASSERT_FALSE(reader.problem()) << reader.problem()->message;
    EXPECT_EQ(first.events.size() + rest.events.size(), offsets.size()) << "cut at byte " << cut;
    EXPECT_EQ(reader.offset(), whole.size());
  }
}

TEST(EventsReader, CorruptRecordInOneOfTwoRunsIsReportedWithFileAndOffset) {
  const fs::path root = scratch("corrupt");
  writeScalars(root / "good", 50);
  const std::string bad = writeScalars(root / "bad", 50);
  std::string bytes = slurp(bad);
  const auto offsets = recordOffsets(bytes);
  const std::size_t victim = offsets[20];
  bytes[victim + 14] ^= 0x40;  // inside record 20's payload
  spit(bad, bytes);

  LogDirReader reader(root.string());
  const auto changes = reader.poll();
  EXPECT_TRUE(changes.rootProblems.empty());
  ASSERT_EQ(reader.runNames(), (std::vector<std::string>{"bad", "good"}));
  const RunData* good = reader.run("good");
  ASSERT_TRUE(good->problems.empty());
  EXPECT_EQ(good->scalars.at("loss").size(), 50u);
  const RunData* broken = reader.run("bad");
  ASSERT_EQ(broken->problems.size(), 1u);
  EXPECT_EQ(broken->problems[0].file, bad);
  EXPECT_EQ(broken->problems[0].offset, victim);
  EXPECT_NE(broken->problems[0].message.find("bad data CRC"), std::string::npos)
      << broken->problems[0].message;
  EXPECT_NE(broken->problems[0].message.find("byte " + std::to_string(victim)), std::string::npos);
  EXPECT_EQ(broken->scalars.at("loss").size(), 19u);  // records 1..19 (0 is file_version)
  // A second poll neither repeats nor loses anything.
  reader.poll();
  EXPECT_EQ(reader.run("bad")->scalars.at("loss").size(), 19u);
  EXPECT_EQ(reader.run("good")->scalars.at("loss").size(), 50u);
}

TEST(EventsReader, TenThousandEventsWrittenWhileAReaderPolls) {
  const fs::path root = scratch("live");
  constexpr int kEvents = 10000;
  std::atomic<bool> writing{true};
  std::thread producer([&] {
    auto writer = EventWriter::open((root / "run").string());
    ASSERT_TRUE(writer.hasValue());
    for (int i = 0; i < kEvents; ++i) {
      (*writer)->scalar("x", i, i);
      if (i % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_TRUE((*writer)->close().isOk());
    EXPECT_EQ((*writer)->dropped(), 0u);
    writing = false;
  });
  LogDirReader reader(root.string());
  int polls = 0;
  while (writing) {
    reader.poll();
    ++polls;
  }
  producer.join();
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_NE(run, nullptr);
  EXPECT_TRUE(run->problems.empty());
  const ScalarSeries& x = run->scalars.at("x");
  ASSERT_EQ(x.size(), static_cast<std::size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_EQ(x.steps[static_cast<std::size_t>(i)], i);
    ASSERT_EQ(x.values[static_cast<std::size_t>(i)], i);
  }
  EXPECT_GT(polls, 1);
}

TEST(EventsReader, ChangesNameTheFirstNewIndexPerTag) {
  const fs::path root = scratch("changes");
  auto writer = EventWriter::open((root / "r").string());
  ASSERT_TRUE(writer.hasValue());
  for (int i = 0; i < 3; ++i) (*writer)->scalar("a", i, i);
  ASSERT_TRUE((*writer)->flush().isOk());
  LogDirReader reader(root.string());
  auto first = reader.poll();
  ASSERT_EQ(first.runs.size(), 1u);
  EXPECT_TRUE(first.runs[0].added);
  EXPECT_EQ(first.runs[0].scalarsFrom.at("a"), 0u);
  EXPECT_TRUE(reader.poll().empty());
  for (int i = 3; i < 5; ++i) (*writer)->scalar("a", i, i);
  ASSERT_TRUE((*writer)->flush().isOk());
  auto second = reader.poll();
  ASSERT_EQ(second.runs.size(), 1u);
  EXPECT_FALSE(second.runs[0].added);
  EXPECT_EQ(second.runs[0].scalarsFrom.at("a"), 3u);
  EXPECT_EQ(reader.run("r")->scalars.at("a").size(), 5u);
}

}  // namespace
}  // namespace loom::events
