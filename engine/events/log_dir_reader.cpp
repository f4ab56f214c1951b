#include "engine/events/log_dir_reader.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "engine/core/file_util.h"
#include "engine/events/prefault.h"

namespace loom::events {
namespace fs = std::filesystem;
namespace {

bool isEventFileName(const std::string& name) {
  const std::string skip = ".profile-empty";
  if (name.size() >= skip.size() &&
      name.compare(name.size() - skip.size(), skip.size(), skip) == 0) {
    return false;
  }
  return name.find("tfevents") != std::string::npos;
}

struct Found {
  std::string dir;                      ///< absolute
  std::vector<std::string> eventFiles;  ///< absolute, sorted by name
  bool hasRunJson = false;
};

/// Directories under `root` holding event files or run.json, keyed by run name.
void walk(const fs::path& dir, const std::string& name, int depth, int maxDepth,
          std::set<std::string>& seen, std::map<std::string, Found>& out) {
  std::error_code ec;
  const fs::path real = fs::canonical(dir, ec);
  if (ec || !seen.insert(real.string()).second) return;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    entries.push_back(*it);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  Found found;
  found.dir = fs::absolute(dir).lexically_normal().string();
  std::vector<std::pair<fs::path, std::string>> subdirs;
  for (const auto& entry : entries) {
    const std::string file = entry.path().filename().string();
    std::error_code typeError;
    if (entry.is_directory(typeError)) {
      subdirs.emplace_back(entry.path(), name == "." ? file : name + "/" + file);
    } else if (isEventFileName(file)) {
      found.eventFiles.push_back((fs::path(found.dir) / file).string());
    } else if (file == "run.json") {
      found.hasRunJson = true;
    }
  }
  if (!found.eventFiles.empty() || found.hasRunJson) out[name] = std::move(found);
  if (depth >= maxDepth) return;
  for (const auto& [sub, subName] : subdirs) walk(sub, subName, depth + 1, maxDepth, seen, out);
}

template <typename T>
std::optional<T> field(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Expected<RunInfo> parseRunJson(const std::string& path) {
  auto bytes = readFile(path, std::size_t{64} << 20);
  if (!bytes.hasValue()) return bytes.status();
  RunInfo info;
  info.raw = *bytes;
  nlohmann::json j = nlohmann::json::parse(*bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(ErrorCode::ParseError, "\"" + path + "\" is not a JSON object");
  }
  info.status = field<std::string>(j, "status");
  info.model = field<std::string>(j, "model");
  info.host = field<std::string>(j, "host");
  info.globalStep = field<std::int64_t>(j, "global_step");
  info.error = field<std::string>(j, "error");
  info.pid = field<std::int64_t>(j, "pid");
  if (const auto it = j.find("best_metric"); it != j.end() && it->is_object()) {
    info.bestMetricName = field<std::string>(*it, "name");
    info.bestMetric = field<double>(*it, "value");
    info.bestStep = field<std::int64_t>(*it, "step");
  }
  return info;
}

std::string localHost() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

/// A run that says it is running on this host but whose process is gone has crashed.
bool processGone(const RunInfo& info) {
  if (!info.status || (*info.status != "running" && *info.status != "paused")) return false;
  if (!info.pid || *info.pid <= 0 || !info.host || *info.host != localHost()) return false;
  return ::kill(static_cast<pid_t>(*info.pid), 0) != 0 && errno == ESRCH;
}

template <typename Map>
void markFrom(Map& from, const std::string& tag, std::size_t index) {
  from.emplace(tag, index);  // keeps the first index of this poll
}

}  // namespace

struct LogDirReader::RunState {
  RunData data;
  std::map<std::string, std::unique_ptr<EventFileReader>> readers;  ///< by absolute path
  std::vector<std::string> order;                                   ///< read order (name order)
  bool hasRunJson = false;
  std::int64_t runJsonMtime = -1;
  std::int64_t runJsonSize = -1;
  std::optional<FileProblem> runJsonProblem;
};

LogDirReader::LogDirReader(std::string root, LogDirOptions options)
    : m_root(std::move(root)), m_options(options) {}

LogDirReader::~LogDirReader() = default;

std::vector<std::string> LogDirReader::runNames() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : m_runs) names.push_back(name);
  return names;
}

const RunData* LogDirReader::run(const std::string& name) const {
  const auto it = m_runs.find(name);
  return it == m_runs.end() ? nullptr : &it->second->data;
}

void LogDirReader::scan(LogDirChanges& changes) {
  m_rootProblems.clear();
  std::error_code ec;
  if (!fs::is_directory(m_root, ec)) {
    m_rootProblems.push_back(fs::exists(m_root, ec)
                                 ? "log directory \"" + m_root + "\" is not a directory"
                                 : "log directory \"" + m_root + "\" does not exist");
  }
  std::map<std::string, Found> found;
  std::set<std::string> seen;
  if (m_rootProblems.empty()) walk(m_root, ".", 0, m_options.maxDepth, seen, found);
  if (m_rootProblems.empty() && found.empty()) {
    m_rootProblems.push_back("no runs under \"" + m_root +
                             "\": no directory holds a file whose name contains \"tfevents\"");
  }
  for (auto it = m_runs.begin(); it != m_runs.end();) {
    if (found.count(it->first) == 0) {
      changes.removed.push_back(it->first);
      it = m_runs.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [name, f] : found) {
    auto& state = m_runs[name];
    RunChange change;
    change.run = name;
    if (!state) {
      state = std::make_unique<RunState>();
      state->data.name = name;
      state->data.dir = f.dir;
      change.added = true;
    }
    for (const auto& file : f.eventFiles) {
      if (state->readers.count(file) == 0) {
        state->readers[file] = std::make_unique<EventFileReader>(file);
        state->order.push_back(file);
        std::sort(state->order.begin(), state->order.end());
        state->data.files = state->order;
      }
    }
    state->hasRunJson = f.hasRunJson;
    readRun(*state, change, &changes.more);
    const bool changed = change.added || change.infoChanged || change.hparamsChanged ||
                         change.problemsChanged || !change.scalarsFrom.empty() ||
                         !change.histogramsFrom.empty() || !change.imagesFrom.empty() ||
                         !change.textsFrom.empty();
    if (changed) changes.runs.push_back(std::move(change));
  }
}

void ScalarColumns::ownTimes() {
  const ScalarColumns* leader = m_timesOf;
  if (!leader) return;
  m_timesOf = nullptr;
  const std::size_t room = std::max(m_capacity, m_size + 1);
  reserve(room, room);  // allocates steps and walls (the values are kept)
  std::copy_n(leader->m_steps, m_size, m_steps);
  std::copy_n(leader->m_walls, m_size, m_walls);
}

namespace {

/// Adds the values of a decoded event that are not scalars to `run` (the full parse's events:
/// histograms, images, texts, hparams, tags of other kinds); RunSink takes the scalars.
void addNonScalar(RunData& run, RunChange& change, const DecodedEvent& e, SummaryValue& v) {
  switch (v.kind) {
    case TagKind::Scalar:
      break;
    case TagKind::Histogram: {
      auto& h = run.histograms[v.tag];
      markFrom(change.histogramsFrom, v.tag, h.size());
      h.push_back({e.step, e.wallTime, std::move(v.histogram)});
      break;
    }
    case TagKind::Image: {
      auto& i = run.images[v.tag];
      markFrom(change.imagesFrom, v.tag, i.size());
      i.push_back({e.step, e.wallTime, std::move(v.images)});
      break;
    }
    case TagKind::Text: {
      auto& t = run.texts[v.tag];
      markFrom(change.textsFrom, v.tag, t.size());
      t.push_back({e.step, e.wallTime, std::move(v.text)});
      break;
    }
    case TagKind::HParams: {
      if (!run.hparams) run.hparams = HParams{};
      if (!v.hparams.values.empty() || v.hparams.startTime != 0) {
        run.hparams->values = v.hparams.values;
        run.hparams->groupName = v.hparams.groupName;
        run.hparams->startTime = v.hparams.startTime;
      }
      if (!v.hparams.endStatus.empty()) {
        run.hparams->endStatus = v.hparams.endStatus;
        run.hparams->endTime = v.hparams.endTime;
      }
      change.hparamsChanged = true;
      break;
    }
    case TagKind::Other:
      ++run.otherTags[v.tag];
      break;
  }
}

/// The capacity a tag's arrays start with.
constexpr std::size_t kFirstCapacity = 1024;
/// A growth maps at most this many times the points there are, so an estimate misled by the
/// first records (a burst of one tag, then none) costs address space, not memory.
constexpr std::size_t kMaxGrowth = 16;

/// Where a run's scalar points go: its ScalarSeries, or the caller's ScalarColumns.
struct ScalarTarget {
  ScalarSeries* series = nullptr;
  ScalarColumns* columns = nullptr;
  std::size_t room = 0;  ///< the size at which the next grow() is due
  /// Where the tag was first seen in the file being read, and its size then: the tag's rate
  /// per byte of file, from which the room for the rest of the file is estimated.
  std::uint64_t firstOffset = 0;
  std::size_t firstSize = 0;
  bool counting = false;

  std::size_t size() const { return columns ? columns->size() : series->size(); }
};

/// How many points a full target will hold when the file is read (docs/events.md, "Reading
/// fast"): the rest of the file at the rate the tag occurred since it was first seen in it,
/// plus 2 % and kFirstCapacity, so the estimate errs high and a big log's arrays are
/// allocated once instead of doubling (each doubling a copy and fresh pages); at least 1.5x
/// (a file that grows while it is followed).
std::size_t expectedSize(const ScalarTarget& t, const EventSink::Place* place) {
  const std::size_t size = t.size();
  const std::size_t geometric = std::max(size + size / 2, kFirstCapacity);
  if (!place || !t.counting || place->offset <= t.firstOffset || place->fileEnd <= place->offset)
    return geometric;
  const double perByte = double(size - t.firstSize) / double(place->offset - t.firstOffset);
  const double rest = perByte * double(place->fileEnd - place->offset);
  return std::max(geometric, size + std::size_t(rest * 1.02) + kFirstCapacity);
}

/// Makes `series`' arrays hold `expected` points (address space: std::vector's untouched
/// capacity costs no memory) and maps the pages of the next `room` ones at once.
void reserveSeries(ScalarSeries& series, std::size_t room, std::size_t expected) {
  const std::size_t size = series.size();
  static_assert(sizeof(std::int64_t) == sizeof(double));
  if (series.values.capacity() < room) {
    series.steps.reserve(expected);
    series.wallTimes.reserve(expected);
    series.values.reserve(expected);
    const std::size_t all = (expected - size) * sizeof(double);  // before anything is written
    adviseHugePages(series.steps.data() + size, all);
    adviseHugePages(series.wallTimes.data() + size, all);
    adviseHugePages(series.values.data() + size, all);
  }
  const std::size_t bytes = (room - size) * sizeof(double);
  prefaultForWrite(series.steps.data() + size, bytes);
  prefaultForWrite(series.wallTimes.data() + size, bytes);
  prefaultForWrite(series.values.data() + size, bytes);
}

/// Receives a run's events straight from its files' readers (no per-poll event vectors) and
/// appends the scalars to their targets (the run's series or the caller's ScalarStore), the
/// scalar-only records through a cache of the target of the tag at each position of the
/// record (a training log writes the same tags in the same order), so a point costs no tag
/// lookup; the other records' scalars go to the same targets, so a tag keeps file order.
class RunSink : public EventSink {
 public:
  RunSink(RunData& run, RunChange& change, ScalarStore* store)
      : m_run(run), m_change(change), m_store(store) {}

  /// The next events come from another file: the tags' rates measured so far were of the
  /// last one.
  void startFile() {
    for (auto& [tag, target] : m_targets) target.counting = false;
  }

  void scalars(const ScalarEvent& e, const Place& place) override {
    countEvent(e.wallTime);
    if (m_cache.size() < e.values.size()) m_cache.resize(e.values.size());
    ScalarTarget* leader = nullptr;  // the record's first tag's
    for (std::size_t i = 0; i < e.values.size(); ++i) {
      Slot& slot = m_cache[i];
      if (!slot.target || *slot.tag != e.values[i].tag) {
        const auto it = target(e.values[i].tag);
        slot.tag = &it->first;
        slot.target = &it->second;
      }
      ScalarTarget& t = *slot.target;
      if (leader && sharesTimes(t, *leader))
        appendValue(t, e.values[i].value, &place);
      else
        append(t, e.step, e.wallTime, e.values[i].value, &place);
      if (i == 0) leader = &t;
    }
  }

  void event(DecodedEvent&& e) override {
    countEvent(e.wallTime);
    if (!e.otherKind.empty()) ++m_run.otherTags["<" + e.otherKind + ">"];
    for (SummaryValue& v : e.values) {
      if (v.kind == TagKind::Scalar)
        append(target(v.tag)->second, e.step, e.wallTime, v.scalar, nullptr);
      else
        addNonScalar(m_run, m_change, e, v);
    }
  }

 private:
  using Targets = std::map<std::string, ScalarTarget, std::less<>>;

  void countEvent(double wallTime) {
    ++m_run.events;
    if (wallTime > 0 && (m_run.startTime == 0 || wallTime < m_run.startTime)) {
      m_run.startTime = wallTime;
    }
  }

  /// The target of `tag`, made on its first point of this poll.
  Targets::iterator target(std::string_view tag) {
    auto it = m_targets.find(tag);
    if (it != m_targets.end()) return it;
    it = m_targets.emplace(std::string(tag), ScalarTarget{}).first;  // std::map: nodes stay put
    ScalarTarget& t = it->second;
    if (m_store) {
      t.columns = &m_store->columns(m_run.name, it->first);
      t.room = t.columns->capacity();  // an earlier poll's columns may have room left
    } else {
      t.series = &m_run.scalars[it->first];
      t.room = std::min({t.series->steps.capacity(), t.series->wallTimes.capacity(),
                         t.series->values.capacity()});
    }
    markFrom(m_change.scalarsFrom, it->first, t.size());
    return it;
  }

  /// Whether `t`, a later tag of a record whose first tag's target `leader` has just taken
  /// the record's point, shares (or can start to share) the leader's steps and wall times:
  /// both are columns, `t` has exactly the leader's points but this one, and shares with it
  /// already or both are new. A tag that shares but is out of step gets its own times.
  static bool sharesTimes(ScalarTarget& t, const ScalarTarget& leader) {
    if (!t.columns || !leader.columns || &t == &leader) return false;
    ScalarColumns& c = *t.columns;
    const ScalarColumns& l = *leader.columns;
    if (c.timesOf() == &l && c.size() + 1 == l.size()) return true;
    if (!c.timesOf() && c.size() == 0 && l.size() == 1 && !l.timesOf()) {
      c.shareTimesOf(l);
      return true;
    }
    c.ownTimes();
    return false;
  }

  /// Notes where a tag was first seen in this file (for expectedSize()).
  static void count(ScalarTarget& t, const Place* place) {
    if (place && !t.counting) {
      t.counting = true;
      t.firstOffset = place->offset;
      t.firstSize = t.size();
    }
  }

  /// Appends one value to columns that share their times (sharesTimes()).
  static void appendValue(ScalarTarget& t, double value, const Place* place) {
    count(t, place);
    if (t.size() >= t.room) grow(t, place);
    t.columns->appendValue(value);
  }

  /// Appends one point; `place` is the record's (null for the full parse's events).
  static void append(ScalarTarget& t, std::int64_t step, double wall, double value,
                     const Place* place) {
    count(t, place);
    if (t.columns) t.columns->ownTimes();  // a point of its own: no longer in step
    if (t.size() >= t.room) grow(t, place);
    if (t.columns) {
      t.columns->append(double(step), wall, value);
    } else {
      t.series->steps.push_back(step);
      t.series->wallTimes.push_back(wall);
      t.series->values.push_back(value);
    }
  }

  /// Room for the next points of a full target: up to the expected size, at most kMaxGrowth
  /// times the points there are, so the estimate can correct itself before much is mapped.
  static void grow(ScalarTarget& t, const Place* place) {
    const std::size_t size = t.size();
    const std::size_t expected = expectedSize(t, place);
    t.room = std::min(expected, std::max(size, kFirstCapacity) * kMaxGrowth);  // > size
    if (t.columns)
      t.columns->reserve(t.room, expected);
    else
      reserveSeries(*t.series, t.room, expected);
  }

  struct Slot {
    const std::string* tag = nullptr;  ///< the key of `target` in m_targets
    ScalarTarget* target = nullptr;
  };
  RunData& m_run;
  RunChange& m_change;
  ScalarStore* m_store;
  Targets m_targets;
  std::vector<Slot> m_cache;
};

}  // namespace

void LogDirReader::readRun(RunState& state, RunChange& change, bool* more) {
  RunData& run = state.data;
  RunSink sink(run, change, m_options.scalarStore);
  for (const auto& path : state.order) {
    sink.startFile();
    // A file stopped by maxBytesPerFilePoll is finished before any later one is read: reading
    // a round of each file in turn interleaved their points (a resumed run's second file
    // between parts of its first).
    if (state.readers[path]->poll(m_options.maxBytesPerFilePoll, &sink).more) {
      *more = true;
      break;
    }
  }
  // run.json, re-read when its size or modification time changed.
  const std::string runJson = run.dir + "/run.json";
  struct stat st {};
  if (state.hasRunJson && ::stat(runJson.c_str(), &st) == 0) {
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (mtime != state.runJsonMtime || st.st_size != state.runJsonSize) {
      state.runJsonMtime = mtime;
      state.runJsonSize = st.st_size;
      auto info = parseRunJson(runJson);
      if (info.hasValue()) {
        run.info = std::move(*info);
        state.runJsonProblem.reset();
      } else {
        state.runJsonProblem = FileProblem{runJson, 0, info.status().message()};
      }
      change.infoChanged = true;
    }
  }
  if (run.info) {
    const bool crashed = processGone(*run.info);
    if (crashed != run.info->crashed) {
      run.info->crashed = crashed;
      change.infoChanged = true;
    }
  }
  std::vector<FileProblem> problems;
  for (const auto& path : state.order) {
    if (const auto& p = state.readers[path]->problem()) problems.push_back(*p);
  }
  if (state.runJsonProblem) problems.push_back(*state.runJsonProblem);
  auto same = [](const FileProblem& a, const FileProblem& b) {
    return a.file == b.file && a.offset == b.offset && a.message == b.message;
  };
  if (!std::equal(problems.begin(), problems.end(), run.problems.begin(), run.problems.end(),
                  same)) {
    run.problems = std::move(problems);
    change.problemsChanged = true;
  }
}

std::map<std::string, ScalarSeries> LogDirReader::takeScalars(const std::string& name) {
  const auto it = m_runs.find(name);
  if (it == m_runs.end()) return {};
  return std::exchange(it->second->data.scalars, {});
}

LogDirChanges LogDirReader::poll() {
  LogDirChanges changes;
  scan(changes);
  changes.rootProblems = m_rootProblems;
  return changes;
}

}  // namespace loom::events
