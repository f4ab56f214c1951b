// LogDirReader: the runs of a log directory, read incrementally (docs/events.md). This is
// the API of the studio's run store (called from its worker thread) and of `loom runs`.
//
//   LogDirReader reader("runs");
//   for (;;) {
//     LogDirChanges changes = reader.poll();     // discovers runs, reads what is new
//     for (const RunChange& c : changes.runs) {  // which runs and tags got what
//       const RunData* run = reader.run(c.run);
//       ...run->scalars.at(tag).values[c.firstNew...]
//     }
//     sleep(...);
//   }
//
// Runs are found as TensorBoard finds them (FORMATS.md §1.1): every directory under the root
// (the root included, named ".") that directly holds a file whose name contains "tfevents"
// (files ending in ".profile-empty" are skipped, as TensorBoard does) or a run.json. The walk
// follows directory symlinks (each real directory once) and sorts by name. A run's event files
// are read in name order; each is followed while it grows (EventFileReader). A run whose
// directory disappears is reported in `removed` and dropped; its data is kept until then.
//
// What a run holds is keyed by tag and split by kind (the kind of a tag's first value):
// scalars as (step, wall time, value) series in file order, histograms, images and text per
// step, the hparams plugin's session records, and run.json's fields. Problems (corruption,
// unreadable files, a non-event file named *tfevents*, a bad run.json) are listed per run with
// file and byte offset; they never stop the other files or runs from loading.
//
// Not thread-safe: one thread calls poll() and reads the RunData it returns pointers to;
// pointers stay valid until the next poll() (which may append to the vectors).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/events/event_file_reader.h"
#include "engine/events/event_types.h"

namespace loom::events {

/// A scalar tag's series, in the order the records were read (struct of arrays: the plots
/// take the arrays as they are).
struct ScalarSeries {
  std::vector<std::int64_t> steps;
  std::vector<double> wallTimes;  ///< seconds since the epoch
  std::vector<double> values;
  std::size_t size() const { return steps.size(); }
};

/// A scalar tag's points in arrays its caller owns (LogDirOptions::scalarStore): the reader
/// writes each point straight into them as it decodes it, so a caller that keeps the points
/// in containers of its own (the studio's QVector<double> columns) gets a big log written
/// once, in its final place, instead of into a ScalarSeries and then copied.
///
/// The reader appends with append() and decides how much room to ask for (from the file's
/// size and how often the tag occurs in the records read so far, docs/events.md "Reading
/// fast"); an implementation only provides the memory, in reserve().
///
/// Shared times: tags written in the same records (Loom's writer puts all of a step's
/// scalars in one record) have the same steps and wall times. The reader then makes the
/// columns of the record's later tags share those of its first tag (shareTimesOf(); such a
/// column keeps only values, appended with appendValue()) for as long as they stay in step,
/// and gives a column its own copy (ownTimes()) when they part. An owner taking the points
/// out uses the leader's steps and wall times for a column whose timesOf() is set.
class ScalarColumns {
 public:
  virtual ~ScalarColumns() = default;
  /// Makes room for at least `capacity` points, keeping the first size(): afterwards values()
  /// and, unless timesOf() is set, steps() and walls() point at arrays of capacity() >=
  /// `capacity` elements, ready to be written (steps and walls are allocated, and the first
  /// size() kept, also when they were missing: ownTimes() relies on it). `expected` (>=
  /// capacity) is how many points the reader expects in all: an implementation may reserve
  /// address space for them now, so that the later calls of a big log (the reader asks for
  /// room in steps of at most 16x) need no copy.
  virtual void reserve(std::size_t capacity, std::size_t expected) = 0;

  std::size_t size() const { return m_size; }
  std::size_t capacity() const { return m_capacity; }
  const double* steps() const { return m_steps; }  ///< null while timesOf() is set
  const double* walls() const { return m_walls; }  ///< seconds since the epoch; idem
  const double* values() const { return m_values; }
  /// Appends one point; the caller (the reader) has made room for it.
  void append(double step, double wall, double value) {
    m_steps[m_size] = step;
    m_walls[m_size] = wall;
    m_values[m_size] = value;
    ++m_size;
  }

  /// The columns whose steps and wall times are this one's (null: its own): point i of this
  /// column has the step and wall time of point i of timesOf(), which has at least size().
  const ScalarColumns* timesOf() const { return m_timesOf; }
  /// Makes this column, empty, share the steps and wall times of `leader` (empty as well, and
  /// not sharing another's). Its owner must keep `leader` while this column exists.
  void shareTimesOf(const ScalarColumns& leader) { m_timesOf = &leader; }
  /// Appends a value whose step and wall time are timesOf()'s point size().
  void appendValue(double value) { m_values[m_size++] = value; }
  /// Gives this column its own steps and wall times: the first size() of timesOf()'s, copied
  /// into arrays reserve() allocates. No-op when it has its own.
  void ownTimes();

 protected:
  /// For reserve() and for an owner that takes the points out (it then sets the size to 0).
  void setArrays(double* steps, double* walls, double* values, std::size_t capacity) {
    m_steps = steps;
    m_walls = walls;
    m_values = values;
    m_capacity = capacity;
  }
  void setSize(std::size_t size) { m_size = size; }
  /// For an owner that takes the points out (then null: the next points own their times).
  void clearTimesOf() { m_timesOf = nullptr; }

 private:
  double* m_steps = nullptr;
  double* m_walls = nullptr;
  double* m_values = nullptr;
  std::size_t m_size = 0, m_capacity = 0;
  const ScalarColumns* m_timesOf = nullptr;
};

/// Where the reader puts scalar points when LogDirOptions::scalarStore is set: the columns of
/// each (run, tag), in file order, instead of RunData::scalars (which then stays empty;
/// RunChange::scalarsFrom still names the tags that got points, with the columns' size
/// before them). Called on the reader's thread, from poll() only.
class ScalarStore {
 public:
  virtual ~ScalarStore() = default;
  /// The columns of `tag` in run `run`, created empty on first use. The reference must stay
  /// valid until the poll() that asked for it returns, and while another column of the run
  /// shares its times (ScalarColumns::timesOf(): drop a run's columns together).
  virtual ScalarColumns& columns(const std::string& run, const std::string& tag) = 0;
};

/// A value of a non-scalar tag at one step.
template <typename T>
struct StepValue {
  std::int64_t step = 0;
  double wallTime = 0;
  T value;
};

/// run.json of a run (docs/runs.md), the fields the dashboard shows. Absent fields are empty
/// optionals; `raw` is the whole file for anything else.
struct RunInfo {
  std::optional<std::string> status;  ///< "running", "paused", "completed", "stopped", ...
  std::optional<std::string> model;
  std::optional<std::string> host;
  std::optional<std::string> bestMetricName;  ///< e.g. "accuracy/validation"
  std::optional<double> bestMetric;
  std::optional<std::int64_t> bestStep;
  std::optional<std::int64_t> globalStep;
  std::optional<std::string> error;
  std::optional<std::int64_t> pid;  ///< the training process (rank 0)
  /// run.json says "running" or "paused", names this host, and its process no longer exists:
  /// the run died without ending (kill -9, a crash, power loss). status() then says "crashed".
  bool crashed = false;
  std::string raw;
  /// "crashed" when `crashed`, else `status` ("" when absent).
  std::string effectiveStatus() const { return crashed ? "crashed" : status.value_or(""); }
};

struct RunData {
  std::string name;  ///< path relative to the root, "." for the root itself
  std::string dir;   ///< absolute path
  std::map<std::string, ScalarSeries> scalars;
  std::map<std::string, std::vector<StepValue<Histogram>>> histograms;
  std::map<std::string, std::vector<StepValue<std::vector<Image>>>> images;
  std::map<std::string, std::vector<StepValue<std::string>>> texts;
  /// Tags of kinds Loom does not show (graph_def, plugins it does not know), with counts.
  std::map<std::string, std::uint64_t> otherTags;
  std::optional<HParams> hparams;     ///< from the hparams plugin's records, when present
  std::optional<RunInfo> info;        ///< run.json, when present and parsed
  double startTime = 0;               ///< earliest wall time seen (0: none yet)
  std::uint64_t events = 0;           ///< events read (all files)
  std::vector<std::string> files;     ///< event files, in read order (absolute paths)
  std::vector<FileProblem> problems;  ///< current problems, file and offset
};

/// What one poll() changed.
struct RunChange {
  std::string run;
  bool added = false;        ///< first seen in this poll
  bool infoChanged = false;  ///< run.json was (re)read
  bool hparamsChanged = false;
  bool problemsChanged = false;
  /// Per tag that got new values: the index of its first new value (into the tag's vector).
  std::map<std::string, std::size_t> scalarsFrom, histogramsFrom, imagesFrom, textsFrom;
};

struct LogDirChanges {
  std::vector<RunChange> runs;       ///< runs with any change, in name order
  std::vector<std::string> removed;  ///< runs whose directory disappeared
  /// Problems of the log directory itself ("no such directory", "no runs found under DIR").
  std::vector<std::string> rootProblems;
  /// maxBytesPerFilePoll stopped a file's read: poll again soon for the rest.
  bool more = false;
  bool empty() const { return runs.empty() && removed.empty(); }
};

struct LogDirOptions {
  /// Bytes read per poll per file at most (0: all), so a first poll of a huge log returns
  /// in bounded time and the rest follows.
  std::uint64_t maxBytesPerFilePoll = 0;
  /// Directory levels searched below the root.
  int maxDepth = 16;
  /// Where scalar points go (null: RunData::scalars). Not owned; must outlive the reader.
  ScalarStore* scalarStore = nullptr;
};

class LogDirReader {
 public:
  explicit LogDirReader(std::string root, LogDirOptions options = {});
  ~LogDirReader();

  /// Rescans the tree, reads new bytes of every event file and changed run.json files.
  LogDirChanges poll();

  const std::string& root() const { return m_root; }
  /// Run names in name order.
  std::vector<std::string> runNames() const;
  /// The run, or null.
  const RunData* run(const std::string& name) const;
  /// Moves the scalar series of run `name` out of the reader (empty when there is none):
  /// for a caller that keeps the points itself (the studio's tailer), so they are not held
  /// twice. Later polls append to fresh series; their RunChange::scalarsFrom indices count
  /// from the take.
  std::map<std::string, ScalarSeries> takeScalars(const std::string& name);
  /// Problems of the root from the last poll (as in LogDirChanges::rootProblems).
  const std::vector<std::string>& rootProblems() const { return m_rootProblems; }

 private:
  struct RunState;
  void scan(LogDirChanges& changes);
  void readRun(RunState& state, RunChange& change, bool* more);

  std::string m_root;
  LogDirOptions m_options;
  std::map<std::string, std::unique_ptr<RunState>> m_runs;
  std::vector<std::string> m_rootProblems;
};

}  // namespace loom::events
