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
