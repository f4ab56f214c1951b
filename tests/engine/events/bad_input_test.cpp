// Hostile and degenerate log directories (issue 7, acceptance 5): each gets a clear message
// naming the file and nothing crashes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>

#include "engine/events/event_file_reader.h"
#include "engine/events/event_writer.h"
#include "engine/events/log_dir_reader.h"
#include "engine/events/proto/tensorboard.pb.h"
#include "tests/engine/events/events_test_util.h"

namespace loom::events {
namespace {

namespace fs = std::filesystem;
using test::scratch;
using test::spit;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(EventsBadInput, DirectoryWithNoRuns) {
  const fs::path root = scratch("empty");
  fs::create_directories(root / "sub" / "deeper");
  spit(root / "sub" / "notes.txt", "hello");
  LogDirReader reader(root.string());
  const auto changes = reader.poll();
  EXPECT_TRUE(reader.runNames().empty());
  ASSERT_EQ(changes.rootProblems.size(), 1u);
  EXPECT_TRUE(contains(changes.rootProblems[0], "no runs under")) << changes.rootProblems[0];
  EXPECT_TRUE(contains(changes.rootProblems[0], root.string()));
}

TEST(EventsBadInput, MissingLogDirectory) {
  LogDirReader reader("/nonexistent/loom/logdir");
  const auto changes = reader.poll();
  ASSERT_EQ(changes.rootProblems.size(), 1u);
  EXPECT_TRUE(contains(changes.rootProblems[0], "does not exist")) << changes.rootProblems[0];
}

TEST(EventsBadInput, UnreadableFiles) {
  const fs::path root = scratch("unreadable");
  fs::create_directories(root / "run");
  // A dangling symlink and a FIFO named like event files: neither can be read as one
  // (this works as root too, where a chmod 000 file would still be readable).
  fs::create_symlink(root / "gone", root / "run" / "events.out.tfevents.1.dangling");
  ASSERT_EQ(::mkfifo((root / "run" / "events.out.tfevents.2.fifo").c_str(), 0600), 0);
  if (::geteuid() != 0) {
    spit(root / "run" / "events.out.tfevents.3.noperm", "x");
    fs::permissions(root / "run" / "events.out.tfevents.3.noperm", fs::perms::none);
  }
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_NE(run, nullptr);
  ASSERT_EQ(run->problems.size(), ::geteuid() != 0 ? 3u : 2u);
  EXPECT_TRUE(contains(run->problems[0].message, "cannot open")) << run->problems[0].message;
  EXPECT_TRUE(contains(run->problems[0].message, "dangling"));
  EXPECT_TRUE(contains(run->problems[1].message, "not a regular file")) << run->problems[1].message;
  if (::geteuid() != 0) {
    EXPECT_TRUE(contains(run->problems[2].message, "Permission denied"));
  }
}

TEST(EventsBadInput, NonEventFileNamedTfevents) {
  const fs::path root = scratch("impostor");
  fs::create_directories(root / "run");
  const fs::path impostor = root / "run" / "my.tfevents.notes.txt";
  spit(impostor, "This is a text file whose name happens to contain tfevents.\n");
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_NE(run, nullptr);
  ASSERT_EQ(run->problems.size(), 1u);
  EXPECT_EQ(run->problems[0].file, impostor.string());
  EXPECT_TRUE(contains(run->problems[0].message, "is not a TensorBoard event file"))
      << run->problems[0].message;
  // A short file that is not even one header long is a truncated record: waited on, no error.
  spit(impostor, "short");
  LogDirReader again(root.string());
  again.poll();
  EXPECT_TRUE(again.run("run")->problems.empty());
}

TEST(EventsBadInput, RunDeletedWhileOpen) {
  const fs::path root = scratch("deleted");
  auto writer = EventWriter::open((root / "doomed").string());
  ASSERT_TRUE(writer.hasValue());
  (*writer)->scalar("x", 0, 1);
  ASSERT_TRUE((*writer)->flush().isOk());
  auto keeper = EventWriter::open((root / "kept").string());
  ASSERT_TRUE(keeper.hasValue());
  (*keeper)->scalar("x", 0, 1);
  ASSERT_TRUE((*keeper)->flush().isOk());
  LogDirReader reader(root.string());
  reader.poll();
  ASSERT_NE(reader.run("doomed"), nullptr);
  fs::remove_all(root / "doomed");
  (*writer)->scalar("x", 1, 2);  // the writer's file is gone; it writes to the unlinked inode
  ASSERT_TRUE((*writer)->flush().isOk());
  const auto changes = reader.poll();
  EXPECT_EQ(changes.removed, (std::vector<std::string>{"doomed"}));
  EXPECT_EQ(reader.run("doomed"), nullptr);
  ASSERT_NE(reader.run("kept"), nullptr);
  EXPECT_EQ(reader.run("kept")->scalars.at("x").size(), 1u);
  // A file deleted between the scan and the read: the reader of a vanished file says so.
  EventFileReader gone((root / "doomed" / "x.tfevents").string());
  gone.poll();
  ASSERT_TRUE(gone.problem());
  EXPECT_TRUE(contains(gone.problem()->message, "No such file")) << gone.problem()->message;
}

TEST(EventsBadInput, NanWallTimeEndsTheFileWithItsOffset) {
  const fs::path root = scratch("nan");
  auto writer = EventWriter::open((root / "run").string());
  ASSERT_TRUE(writer.hasValue());
  (*writer)->scalar("x", 0, 1);
  ::tensorboard::Event e;
  e.set_wall_time(std::nan(""));
  e.set_step(7);
  (*writer)->rawEvent(e.SerializeAsString());
  (*writer)->scalar("x", 8, 2);
  ASSERT_TRUE((*writer)->close().isOk());
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_EQ(run->problems.size(), 1u);
  EXPECT_TRUE(contains(run->problems[0].message, "wall time is NaN")) << run->problems[0].message;
  EXPECT_TRUE(contains(run->problems[0].message, "step 7"));
  EXPECT_GT(run->problems[0].offset, 0u);
  EXPECT_EQ(run->scalars.at("x").size(), 1u);
}

TEST(EventsBadInput, PayloadThatIsNotAnEvent) {
  const fs::path root = scratch("garbage");
  auto writer = EventWriter::open((root / "run").string());
  ASSERT_TRUE(writer.hasValue());
  (*writer)->rawEvent(std::string("\xff\xff\xff\xff\xff", 5));  // an unterminated varint
  ASSERT_TRUE((*writer)->close().isOk());
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_EQ(run->problems.size(), 1u);
  EXPECT_TRUE(contains(run->problems[0].message, "not a tensorboard.Event"))
      << run->problems[0].message;
}

TEST(EventsBadInput, BrokenRunJsonIsAProblemNotACrash) {
  const fs::path root = scratch("runjson");
  fs::create_directories(root / "run");
  spit(root / "run" / "run.json", "{\"status\": \"runn");
  LogDirReader reader(root.string());
  reader.poll();
  const RunData* run = reader.run("run");
  ASSERT_NE(run, nullptr);
  ASSERT_EQ(run->problems.size(), 1u);
  EXPECT_TRUE(contains(run->problems[0].message, "not a JSON object"));
  spit(
      root / "run" / "run.json",
      R"({"status": "completed", "host": "h", "best_metric": {"name": "validation/accuracy", "value": 0.9, "step": 12}})");
  ::utimensat(AT_FDCWD, (root / "run" / "run.json").c_str(), nullptr, 0);
  reader.poll();
  run = reader.run("run");
  EXPECT_TRUE(run->problems.empty());
  ASSERT_TRUE(run->info);
  EXPECT_EQ(run->info->status, "completed");
  EXPECT_EQ(run->info->bestMetric, 0.9);
  EXPECT_EQ(run->info->bestStep, 12);
  EXPECT_FALSE(run->info->error);
}

}  // namespace
}  // namespace loom::events
