#include "engine/dist/timeline.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace loom {

namespace {
/// `s` as a JSON string's contents (names and host names are plain, but be safe).
std::string jsonEscaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(c));
      out += buf;
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

Timeline::Timeline(std::FILE* file, std::string path, int rank)
    : m_file(file), m_path(std::move(path)), m_rank(rank), m_steadyBase(Clock::now()) {
  const auto sinceEpoch = std::chrono::system_clock::now().time_since_epoch();
  m_wallBase = static_cast<double>(
      std::chrono::duration_cast<std::chrono::microseconds>(sinceEpoch).count());
}

Expected<std::unique_ptr<Timeline>> Timeline::open(const std::string& path, int rank,
                                                   const std::string& host) {
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);  // fopen reports what fails
  }
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return ioError("cannot write the timeline \"" + path + "\": " + std::strerror(errno));
  std::unique_ptr<Timeline> t(new Timeline(f, path, rank));
  std::fprintf(f,
               "[\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": 1, "
               "\"args\": {\"name\": \"rank %d (%s)\"}},\n"
               "{\"name\": \"process_sort_index\", \"ph\": \"M\", \"pid\": %d, \"tid\": 1, "
               "\"args\": {\"sort_index\": %d}},\n"
               "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": 1, "
               "\"args\": {\"name\": \"training\"}},\n"
               "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %d, "
               "\"args\": {\"name\": \"gradient buckets\"}}",
               rank, rank, jsonEscaped(host).c_str(), rank, rank, rank, rank, kBucketTrack);
  return t;
}

Timeline::~Timeline() {
  std::fputs("\n]\n", m_file);
  std::fclose(m_file);
}

double Timeline::microseconds(Clock::time_point t) const {
  return m_wallBase + std::chrono::duration<double, std::micro>(t - m_steadyBase).count();
}

void Timeline::span(std::string_view name, std::string_view category, Clock::time_point start,
                    Clock::time_point end, std::int64_t step, int track) {
  const double ts = microseconds(start);
  const double dur = std::chrono::duration<double, std::micro>(end - start).count();
  std::fprintf(m_file,
               ",\n{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"pid\": %d, \"tid\": %d, "
               "\"ts\": %.3f, \"dur\": %.3f, \"args\": {\"step\": %lld}}",
               jsonEscaped(name).c_str(), jsonEscaped(category).c_str(), m_rank, track, ts, dur,
               static_cast<long long>(step));
}

std::string timelinePathForRank(const std::string& path, int rank, int worldSize) {
  if (worldSize <= 1) return path;
  const std::filesystem::path p(path);
  const std::string suffix = ".rank" + std::to_string(rank);
  if (!p.has_extension()) return path + suffix;
  std::filesystem::path out = p;
  out.replace_extension();
  return out.string() + suffix + p.extension().string();
}

}  // namespace loom
