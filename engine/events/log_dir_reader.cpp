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

namespace {

/// Adds one decoded event's values to `run` (the full parse's events: histograms, images,
/// texts, hparams, and scalars in forms the fast path does not take).
void addEvent(RunData& run, RunChange& change, DecodedEvent& e) {
  ++run.events;
  if (e.wallTime > 0 && (run.startTime == 0 || e.wallTime < run.startTime)) {
    run.startTime = e.wallTime;
  }
  if (!e.otherKind.empty()) ++run.otherTags["<" + e.otherKind + ">"];
  for (SummaryValue& v : e.values) {
    switch (v.kind) {
      case TagKind::Scalar: {
        ScalarSeries& s = run.scalars[v.tag];
        markFrom(change.scalarsFrom, v.tag, s.size());
        s.steps.push_back(e.step);
        s.wallTimes.push_back(e.wallTime);
        s.values.push_back(v.scalar);
        break;
      }
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
}

/// Receives a run's events straight from its files' readers (no per-poll event vectors):
/// scalar-only records append to the series through a cache of the series of the tag at each
/// position of the record (a training log writes the same tags in the same order), so a point
/// costs no tag lookup.
class RunSink : public EventSink {
 public:
  RunSink(RunData& run, RunChange& change) : m_run(run), m_change(change) {}

  void scalars(const ScalarEvent& e, const Place& place) override {
    ++m_run.events;
    if (e.wallTime > 0 && (m_run.startTime == 0 || e.wallTime < m_run.startTime)) {
      m_run.startTime = e.wallTime;
    }
    if (m_cache.size() < e.values.size()) m_cache.resize(e.values.size());
    for (std::size_t i = 0; i < e.values.size(); ++i) {
      Slot& slot = m_cache[i];
      if (!slot.series || slot.tag != e.values[i].tag) {
        slot.tag.assign(e.values[i].tag);
        slot.series = &m_run.scalars[slot.tag];  // std::map: the node stays put
        markFrom(m_change.scalarsFrom, slot.tag, slot.series->size());
        reserve(*slot.series, place);
      }
      slot.series->steps.push_back(e.step);
      slot.series->wallTimes.push_back(e.wallTime);
      slot.series->values.push_back(e.values[i].value);
    }
  }

  void event(DecodedEvent&& e) override { addEvent(m_run, m_change, e); }

 private:
  /// Room for one point per record like this one in the rest of the file: a big log's
  /// series then grow once instead of by doubling (each doubling a copy and fresh pages).
  static void reserve(ScalarSeries& s, const Place& place) {
    const std::uint64_t more =
        (place.pollEnd - place.offset) / std::max<std::uint64_t>(place.bytes, 1);
    std::size_t want = s.size() + static_cast<std::size_t>(std::min<std::uint64_t>(more, 1u << 24));
    if (want <= s.steps.capacity()) return;
    want = std::max(want, 2 * s.steps.capacity());  // still geometric across polls
    s.steps.reserve(want);
    s.wallTimes.reserve(want);
    s.values.reserve(want);
  }

  struct Slot {
    std::string tag;
    ScalarSeries* series = nullptr;
  };
  RunData& m_run;
  RunChange& m_change;
  std::vector<Slot> m_cache;
};

}  // namespace

void LogDirReader::readRun(RunState& state, RunChange& change, bool* more) {
  RunData& run = state.data;
  RunSink sink(run, change);
  for (const auto& path : state.order)
    if (state.readers[path]->poll(m_options.maxBytesPerFilePoll, &sink).more) *more = true;
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
