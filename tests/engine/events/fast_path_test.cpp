// The scalar fast path (engine/events/scalar_decode.h) against the full protobuf parse
// (decodeEvent) on real files: the logs TensorFlow, Keras, PyTorch and tensorboardX wrote
// (../shared/testdata/foreign) and a run the Trainer writes here. Every record the fast path
// takes must decode to exactly what the full parse gives; every prefix and every one-byte
// change of such records must be refused by the fast path or, where it still takes them, agree
// with the full parse. Then LogDirReader (which uses the fast path) must hold, per run and
// tag, the series a reader built on the full parse alone holds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "engine/events/event_file_reader.h"
#include "engine/events/event_writer.h"
#include "engine/events/log_dir_reader.h"
#include "engine/events/scalar_decode.h"
#include "engine/events/tfrecord.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/engine/events/events_test_util.h"

namespace loom::events {
namespace {

namespace fs = std::filesystem;

const char* kModel = R"(
format_version: 2
name: "fast"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "flatten" op: "Flatten" input: "image" }
  node { name: "logits" op: "Dense" input: "flatten" attr { name: "units" i: 10 } }
}
training {
  epochs: 1 batch_size: 32 seed: 5 threads: 1 validation_fraction: 0.25
  optimizer { type: "adam" learning_rate: 0.002 }
  logging { histogram_every: 2 }
}
dataset { train_limit: 256 test_limit: 64 }
)";

/// A real Loom run directory (scalars, histograms, images, texts, hparams), written once.
const std::string& loomRun() {
  static const std::string dir = [] {
    const fs::path d = test::scratch("fast_path_run");
    auto m = parseModel(kModel, "fast.loom");
    EXPECT_TRUE(m.hasValue()) << m.status().message();
    TrainOptions o;
    o.runDir = d.string();
    auto trainer = Trainer::create(*m, o);
    EXPECT_TRUE(trainer.hasValue()) << trainer.status().message();
    if (trainer.hasValue()) {
      auto result = (*trainer)->run();
      EXPECT_TRUE(result.hasValue()) << result.status().message();
    }
    return d.string();
  }();
  return dir;
}

std::vector<fs::path> eventFiles(const fs::path& root) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename().string().find("tfevents") != std::string::npos &&
        e.path().extension() != ".profile-empty")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// The payloads of every complete record of a file.
std::vector<std::string> payloads(const fs::path& file) {
  const std::string bytes = test::slurp(file);
  std::vector<std::string> out;
  std::string_view rest(bytes);
  RecordView view;
  while (parseRecord(rest, &view) == RecordParse::Complete) {
    out.emplace_back(view.payload);
    rest.remove_prefix(view.recordBytes);
  }
  EXPECT_TRUE(rest.empty()) << file << ": " << rest.size() << " bytes after the last record";
  return out;
}

/// Where the fast path takes `payload`, the full parse agrees (same wall time, step, tags,
/// values; no other content). Returns whether the fast path took it.
bool agrees(const std::string& payload, const std::string& where) {
  ScalarEvent fast;
  if (!decodeScalarEvent(payload, &fast)) return false;
  const auto full = decodeEvent(payload);  // no plugin map: these records name no plugin
  EXPECT_TRUE(full.hasValue()) << where << ": the fast path took a record the full parse rejects";
  if (!full.hasValue()) return true;
  EXPECT_EQ(full->wallTime, fast.wallTime) << where;  // never NaN: both refuse that
  EXPECT_EQ(full->step, fast.step) << where;
  EXPECT_EQ(full->fileVersion, "") << where;
  EXPECT_EQ(full->otherKind, "") << where;
  EXPECT_EQ(full->values.size(), fast.values.size()) << where;
  for (std::size_t i = 0; i < std::min(full->values.size(), fast.values.size()); ++i) {
    EXPECT_EQ(full->values[i].tag, fast.values[i].tag) << where;
    EXPECT_EQ(full->values[i].kind, TagKind::Scalar) << where;
    EXPECT_EQ(full->values[i].plugin, "") << where;
    const double a = full->values[i].scalar, b = fast.values[i].value;
    EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << where << ": " << a << " vs " << b;
  }
  return true;
}

void checkDir(const fs::path& root, bool expectFast) {
  const auto files = eventFiles(root);
  ASSERT_FALSE(files.empty()) << "no event files under " << root;
  std::size_t taken = 0, records = 0, mutatedTaken = 0;
  for (const auto& file : files) {
    const auto all = payloads(file);
    records += all.size();
    std::size_t mutatedRecords = 0;
    for (std::size_t r = 0; r < all.size(); ++r) {
      const std::string where = file.string() + " record " + std::to_string(r);
      if (!agrees(all[r], where)) continue;
      ++taken;
      if (mutatedRecords++ >= 20) continue;  // prefixes and byte changes of 20 per file
      for (std::size_t cut = 0; cut < all[r].size(); ++cut)
        mutatedTaken += agrees(all[r].substr(0, cut), where + " cut at " + std::to_string(cut));
      for (std::size_t at = 0; at < all[r].size(); ++at)
        for (const unsigned char flip : {0x01, 0x80, 0xFF}) {
          std::string changed = all[r];
          changed[at] = static_cast<char>(changed[at] ^ flip);
          mutatedTaken +=
              agrees(changed, where + " byte " + std::to_string(at) + " ^ " + std::to_string(flip));
        }
    }
  }
  std::printf("%s: %zu of %zu records on the fast path (%zu changed records it took)\n",
              root.string().c_str(), taken, records, mutatedTaken);
  if (expectFast) {
    EXPECT_GT(taken, 0u) << root;
  }
}

/// The scalars of every run under `root` as a reader built on decodeEvent alone sees them.
std::map<std::string, std::map<std::string, ScalarSeries>> fullParseScalars(const fs::path& root) {
  std::map<std::string, std::map<std::string, ScalarSeries>> out;
  for (const auto& file : eventFiles(root)) {
    std::string run = fs::relative(file.parent_path(), root).string();
    if (run.empty()) run = ".";
    std::map<std::string, std::string> plugins;
    for (const auto& payload : payloads(file)) {
      const auto e = decodeEvent(payload, &plugins);
      EXPECT_TRUE(e.hasValue()) << file << ": " << e.status().message();
      if (!e.hasValue()) break;
      for (const auto& v : e->values) {
        if (v.kind != TagKind::Scalar) continue;
        ScalarSeries& s = out[run][v.tag];
        s.steps.push_back(e->step);
        s.wallTimes.push_back(e->wallTime);
        s.values.push_back(v.scalar);
      }
    }
  }
  return out;
}

void checkReader(const fs::path& root) {
  const auto expected = fullParseScalars(root);
  LogDirReader reader(root.string());
  reader.poll();
  for (const auto& [run, tags] : expected) {
    const RunData* data = reader.run(run);
    ASSERT_NE(data, nullptr) << root << ": run " << run;
    for (const auto& p : data->problems) ADD_FAILURE() << p.file << ": " << p.message;
    ASSERT_EQ(data->scalars.size(), tags.size()) << root << " " << run;
    for (const auto& [tag, s] : tags) {
      const ScalarSeries& got = data->scalars.at(tag);
      EXPECT_EQ(got.steps, s.steps) << run << " " << tag;
      EXPECT_EQ(got.wallTimes, s.wallTimes) << run << " " << tag;
      EXPECT_EQ(got.values, s.values) << run << " " << tag;
    }
  }
}

const char* const kForeign[] = {"tfevents-keras-tf2.1-fit-histograms",
                                "tfevents-pytorch1.12-torch-utils-tensorboard",
                                "tfevents-tensorboardX-histograms-images",
                                "tfevents-tf2-scalar-known-answer", "tfevents-tf2.1-summary-image"};

fs::path foreign(const char* name) {
  const fs::path dir = fs::path(LOOM_FOREIGN_TESTDATA) / name;
  EXPECT_TRUE(fs::is_directory(dir)) << "the foreign test logs are missing: " << dir;
  return dir;
}

TEST(EventsFastPath, AgreesWithTheFullParseOnForeignLogs) {
  for (const char* name : kForeign) {
    SCOPED_TRACE(name);
    // Keras (TF 2.1's epoch scalars) and PyTorch write simple_value scalars; TF 2's
    // tf.summary.scalar writes tensors; the tensorboardX and image logs hold no scalars.
    const std::string n = name;
    checkDir(foreign(name),
             n.find("keras") != std::string::npos || n.find("pytorch") != std::string::npos);
  }
}

TEST(EventsFastPath, AgreesWithTheFullParseOnALoomRun) {
  checkDir(loomRun(), true);
}

TEST(EventsFastPath, LogDirReaderHoldsTheFullParsesScalars) {
  for (const char* name : kForeign) {
    SCOPED_TRACE(name);
    checkReader(foreign(name));
  }
  checkReader(loomRun());
}

// The studio tailer's pattern: small reads (LogDirChanges::more until the files are read) and
// the series taken out after every poll; put together, the taken pieces are the full parse's.
TEST(EventsFastPath, SmallReadsAndTakenSeriesAddUpToTheFullParse) {
  for (const fs::path& root :
       {foreign("tfevents-pytorch1.12-torch-utils-tensorboard"), fs::path(loomRun())}) {
    SCOPED_TRACE(root.string());
    const auto expected = fullParseScalars(root);
    LogDirOptions options;
    options.maxBytesPerFilePoll = 700;
    LogDirReader reader(root.string(), options);
    std::map<std::string, std::map<std::string, ScalarSeries>> got;
    int polls = 0;
    for (bool more = true; more; ++polls) {
      ASSERT_LT(polls, 100000);
      const LogDirChanges changes = reader.poll();
      more = changes.more;
      for (const RunChange& c : changes.runs) {
        for (auto& [tag, s] : reader.takeScalars(c.run)) {
          ASSERT_EQ(c.scalarsFrom.at(tag), 0u) << tag;  // everything in a taken series is new
          ScalarSeries& dst = got[c.run][tag];
          dst.steps.insert(dst.steps.end(), s.steps.begin(), s.steps.end());
          dst.wallTimes.insert(dst.wallTimes.end(), s.wallTimes.begin(), s.wallTimes.end());
          dst.values.insert(dst.values.end(), s.values.begin(), s.values.end());
        }
      }
    }
    EXPECT_GT(polls, 2);  // the reads were split
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [run, tags] : expected) {
      ASSERT_EQ(got[run].size(), tags.size()) << run;
      for (const auto& [tag, s] : tags) {
        EXPECT_EQ(got[run][tag].steps, s.steps) << run << " " << tag;
        EXPECT_EQ(got[run][tag].wallTimes, s.wallTimes) << run << " " << tag;
        EXPECT_EQ(got[run][tag].values, s.values) << run << " " << tag;
      }
    }
  }
}

/// A ScalarStore on std::vector<double> (what the studio does on QVector<double>), counting
/// the reservations the reader asks for.
class VectorColumns final : public ScalarColumns {
 public:
  void reserve(std::size_t capacity, std::size_t expected) override {
    EXPECT_GE(expected, capacity);
    EXPECT_GT(capacity, size());
    ++reserves;
    if (capacity <= this->capacity()) return;
    ++allocations;
    steps.resize(expected);  // keeps the first size() points
    walls.resize(expected);
    values.resize(expected);
    setArrays(steps.data(), walls.data(), values.data(), expected);
  }
  std::vector<double> steps, walls, values;  ///< capacity() long; the first size() are points
  int reserves = 0, allocations = 0;
};

class VectorStore final : public ScalarStore {
 public:
  ScalarColumns& columns(const std::string& run, const std::string& tag) override {
    auto& c = all[run][tag];
    if (!c) c = std::make_unique<VectorColumns>();
    return *c;
  }
  std::map<std::string, std::map<std::string, std::unique_ptr<VectorColumns>>> all;
};

/// `got` holds exactly `expected`'s points (steps as the doubles the columns keep; the
/// times of the columns it shares them with, if it does).
void expectColumns(const VectorColumns& got, const ScalarSeries& expected,
                   const std::string& where) {
  ASSERT_EQ(got.size(), expected.size()) << where;
  const ScalarColumns& times = got.timesOf() ? *got.timesOf() : got;
  ASSERT_GE(times.size(), got.size()) << where;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(times.steps()[i], double(expected.steps[i])) << where << " point " << i;
    ASSERT_EQ(times.walls()[i], expected.wallTimes[i]) << where << " point " << i;
    const double a = got.values[i], b = expected.values[i];
    ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << where << " point " << i;
  }
}

/// A run whose records hold several tags that part and meet again (Loom's writer puts a
/// step's scalars in one record): the same tags, then fewer, another order, a tag twice in a
/// record, and tensor-form scalars (the full parse) among them; two runs. (Two files of one
/// run: ScalarsOfARunsTwoFilesStayInFileOrderInSmallReads.)
const std::string& partingTagsRun() {
  static const std::string dir = [] {
    const fs::path d = test::scratch("parting");
    for (int file = 0; file < 2; ++file) {
      auto writer = EventWriter::open((d / ("run" + std::to_string(file))).string());
      EXPECT_TRUE(writer.hasValue());
      if (!writer.hasValue()) break;
      for (long step = 0; step < 5000; ++step) {
        const double v = double(step) + 0.25 * file;
        std::vector<std::pair<std::string, double>> values = {{"a", v}, {"b", -v}, {"c", 2 * v}};
        if (step >= 3000 && step < 3500) values = {{"a", v}, {"c", 2 * v}};
        if (step >= 3500 && step < 4000) values = {{"b", -v}, {"a", v}};
        if (step >= 4000 && step % 2 == 0) values = {{"c", 2 * v}};
        if (step == 4501) values = {{"a", v}, {"a", v + 1}, {"b", -v}};
        (*writer)->scalars(step, values);
        if (step % 700 == 0) (*writer)->tensorScalar("b", step, 7.0);
      }
      EXPECT_TRUE((*writer)->close().isOk());
    }
    return d.string();
  }();
  return dir;
}

// LogDirOptions::scalarStore: the reader writes the points into the caller's columns instead
// of RunData::scalars, in whole reads and in the tailer's small rounds alike, and names the
// tags in RunChange::scalarsFrom; the columns hold exactly the full parse's series.
TEST(EventsFastPath, AScalarStoreGetsTheFullParsesScalars) {
  for (const fs::path& root :
       {foreign("tfevents-pytorch1.12-torch-utils-tensorboard"),
        foreign("tfevents-tf2-scalar-known-answer"), foreign("tfevents-keras-tf2.1-fit-histograms"),
        fs::path(loomRun()), fs::path(partingTagsRun())}) {
    for (const std::uint64_t round : {std::uint64_t{0}, std::uint64_t{700}}) {
      SCOPED_TRACE(root.string() + " rounds of " + std::to_string(round) + " bytes");
      const auto expected = fullParseScalars(root);
      VectorStore store;
      LogDirOptions options;
      options.maxBytesPerFilePoll = round;
      options.scalarStore = &store;
      LogDirReader reader(root.string(), options);
      std::map<std::string, std::map<std::string, std::size_t>> before;  // sizes, last poll
      for (bool more = true; more;) {
        const LogDirChanges changes = reader.poll();
        more = changes.more;
        for (const RunChange& c : changes.runs) {
          for (const auto& [tag, from] : c.scalarsFrom) {
            EXPECT_EQ(from, before[c.run][tag]) << c.run << " " << tag;  // 0 when new
            before[c.run][tag] = store.all[c.run][tag]->size();
          }
          EXPECT_TRUE(reader.run(c.run)->scalars.empty()) << c.run;
        }
      }
      for (const auto& [run, tags] : expected) {
        ASSERT_EQ(store.all[run].size(), tags.size()) << run;
        EXPECT_EQ(before[run].size(), tags.size()) << run;
        for (const auto& [tag, s] : tags) expectColumns(*store.all[run][tag], s, run + " " + tag);
      }
    }
  }
}

// The room the reader asks for: from the file's size and the rate of the tag in the records
// read so far, so a big log's columns (and series) are allocated about once, at about their
// final size, instead of doubling.
TEST(EventsFastPath, ColumnsAndSeriesAreSizedFromTheFile) {
  const fs::path root = test::scratch("sized");
  constexpr long kSteps = 60000;
  {
    auto writer = EventWriter::open((root / "run").string());
    ASSERT_TRUE(writer.hasValue());
    for (long step = 0; step < kSteps; ++step) {
      std::vector<std::pair<std::string, double>> values = {{"loss", 1.0 / (step + 1)},
                                                            {"accuracy", 0.5}};
      if (step % 10 == 0) values.emplace_back("rare", double(step));
      (*writer)->scalars(step, values);
    }
    ASSERT_TRUE((*writer)->close().isOk());
  }
  const std::map<std::string, std::size_t> sizes = {
      {"loss", kSteps}, {"accuracy", kSteps}, {"rare", kSteps / 10}};
  VectorStore store;
  LogDirOptions options;
  options.scalarStore = &store;
  LogDirReader(root.string(), options).poll();
  LogDirReader plain(root.string());
  plain.poll();
  // "accuracy" is written in every record of "loss": it shares its times; "rare" parted.
  EXPECT_EQ(store.all["run"]["accuracy"]->timesOf(), store.all["run"]["loss"].get());
  EXPECT_EQ(store.all["run"]["loss"]->timesOf(), nullptr);
  EXPECT_EQ(store.all["run"]["rare"]->timesOf(), nullptr);
  for (const auto& [tag, size] : sizes) {
    SCOPED_TRACE(tag);
    const VectorColumns& c = *store.all["run"][tag];
    ASSERT_EQ(c.size(), size);
    EXPECT_LE(c.allocations, 2);  // the first 1,024 points, then the estimate
    EXPECT_LE(c.reserves, 4);     // the estimate's room is given in steps of 16x at most
    EXPECT_GE(c.capacity(), size);
    EXPECT_LE(c.capacity(), size + size / 20 + 2048);
    const ScalarSeries& s = plain.run("run")->scalars.at(tag);
    ASSERT_EQ(s.size(), size);
    EXPECT_LE(s.values.capacity(), size + size / 20 + 2048);
  }
}

// A resumed run has two event files: the second's steps follow the first's. Read in the
// tailer's small rounds, the points must come out in file order, as the first file's to its
// end then the second's (they were interleaved round by round).
TEST(EventsFastPath, ScalarsOfARunsTwoFilesStayInFileOrderInSmallReads) {
  const fs::path d = test::scratch("two_files") / "run";
  constexpr long kSteps = 3000;
  for (int file = 0; file < 2; ++file) {
    auto writer = EventWriter::open(d.string());
    ASSERT_TRUE(writer.hasValue());
    for (long step = file * kSteps; step < (file + 1) * kSteps; ++step)
      (*writer)->scalar("loss", step, 0.5 * double(step));
    ASSERT_TRUE((*writer)->close().isOk());
    if (file == 0) ::usleep(1100000);  // the names sort in time order, by the second
  }
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(d))
    files += e.path().filename().string().find("tfevents") != std::string::npos;
  ASSERT_EQ(files, 2u);
  LogDirOptions options;
  options.maxBytesPerFilePoll = 4096;  // each file takes many rounds
  LogDirReader reader(d.parent_path().string(), options);
  std::vector<std::int64_t> steps;
  int polls = 0;
  for (bool more = true; more; ++polls) {
    ASSERT_LT(polls, 100000);
    const LogDirChanges changes = reader.poll();
    more = changes.more;
    for (const RunChange& c : changes.runs)
      for (auto& [tag, s] : reader.takeScalars(c.run))
        steps.insert(steps.end(), s.steps.begin(), s.steps.end());
  }
  ASSERT_EQ(steps.size(), static_cast<size_t>(2 * kSteps));
  for (size_t i = 0; i < steps.size(); ++i) ASSERT_EQ(steps[i], static_cast<std::int64_t>(i));
}

}  // namespace
}  // namespace loom::events
