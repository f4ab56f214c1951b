#include "engine/events/event_file_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/events/tfrecord.h"

namespace loom::events {
namespace {

/// Bytes read per read(2) call.
constexpr std::size_t kChunk = std::size_t{1} << 20;

/// The DecodedEvent decodeEvent() gives for a record the fast path took.
DecodedEvent toDecoded(const ScalarEvent& e, std::uint64_t offset) {
  DecodedEvent out;
  out.wallTime = e.wallTime;
  out.step = e.step;
  out.offset = offset;
  out.values.resize(e.values.size());
  for (std::size_t i = 0; i < e.values.size(); ++i) {
    out.values[i].tag = std::string(e.values[i].tag);
    out.values[i].kind = TagKind::Scalar;
    out.values[i].scalar = e.values[i].value;
  }
  return out;
}

}  // namespace

EventFileReader::EventFileReader(std::string path) : m_path(std::move(path)) {}

void EventFileReader::fail(std::uint64_t offset, const std::string& message, bool dead) {
  m_problem = FileProblem{m_path, offset, message};
  m_dead = m_dead || dead;
}

EventFileReader::PollResult EventFileReader::poll(std::uint64_t maxBytes, EventSink* sink) {
  PollResult result;
  if (m_dead) return result;
  const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    fail(0, "cannot open \"" + m_path + "\": " + std::strerror(errno), false);
    return result;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail(0, "\"" + m_path + "\" is not a regular file", false);
    return result;
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < m_readEnd) {
    ::close(fd);
    fail(m_offset,
         "\"" + m_path + "\" shrank from " + std::to_string(m_readEnd) + " to " +
             std::to_string(size) + " bytes (rewritten); it is no longer read",
         true);
    return result;
  }
  if (m_problem && !m_dead) m_problem.reset();  // a read error that went away
  std::uint64_t budget = maxBytes == 0 ? size - m_readEnd : std::min(maxBytes, size - m_readEnd);
  result.more = budget < size - m_readEnd;
  m_pollEnd = m_readEnd + budget;
  m_fileEnd = size;
  while (budget > 0) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(budget, kChunk));
    const std::size_t old = m_pending.size();
    m_pending.resize(old + want);
    const ssize_t got = ::pread(fd, m_pending.data() + old, want, static_cast<off_t>(m_readEnd));
    if (got <= 0) {
      m_pending.resize(old);
      if (got < 0)
        fail(m_readEnd, "cannot read \"" + m_path + "\": " + std::strerror(errno), false);
      break;
    }
    m_pending.resize(old + static_cast<std::size_t>(got));
    m_readEnd += static_cast<std::uint64_t>(got);
    budget -= static_cast<std::uint64_t>(got);
    result.grew = true;
    consume(result, sink);
    if (m_dead) break;
  }
  ::close(fd);
  return result;
}

bool EventFileReader::fastPathAllowed(const ScalarEvent& event) const {
  if (m_hparamsTags.empty()) return true;
  for (const ScalarEvent::Value& v : event.values)
    for (const std::string& t : m_hparamsTags)
      if (v.tag == t) return false;
  return true;
}

void EventFileReader::consume(PollResult& result, EventSink* sink) {
  std::size_t at = 0;
  while (!m_dead) {
    RecordView view;
    const std::string_view rest = std::string_view(m_pending).substr(at);
    const RecordParse parsed = parseRecord(rest, &view);
    if (parsed == RecordParse::Truncated) break;
    const std::uint64_t recordOffset = m_offset + at;
    if (parsed == RecordParse::BadLengthCrc && recordOffset == 0) {
      fail(0,
           "\"" + m_path +
               "\" is not a TensorBoard event file: its first 12 bytes are not a TFRecord "
               "header (bad length CRC at byte 0)",
           true);
      break;
    }
    if (parsed != RecordParse::Complete) {
      fail(recordOffset,
           describe(parsed, view) + " in the record at byte " + std::to_string(recordOffset) +
               " of \"" + m_path + "\"; the " + std::to_string(m_records) +
               " records before it were read, nothing after it is",
           true);
      break;
    }
    if (decodeScalarEvent(view.payload, &m_scalarEvent) && fastPathAllowed(m_scalarEvent)) {
      if (sink)
        sink->scalars(m_scalarEvent,
                      EventSink::Place{recordOffset, view.recordBytes, m_pollEnd, m_fileEnd});
      else
        result.events.push_back(toDecoded(m_scalarEvent, recordOffset));
      ++m_records;
      at += view.recordBytes;
      continue;
    }
    auto event = decodeEvent(view.payload, &m_pluginByTag);
    if (!event.hasValue()) {
      fail(recordOffset,
           event.status().message() + " in the record at byte " + std::to_string(recordOffset) +
               " of \"" + m_path + "\"; the " + std::to_string(m_records) +
               " records before it were read, nothing after it is",
           true);
      break;
    }
    event->offset = recordOffset;
    if (!event->values.empty()) {  // it may have named a tag's plugin
      m_hparamsTags.clear();
      for (const auto& [tag, plugin] : m_pluginByTag)
        if (plugin == "hparams") m_hparamsTags.push_back(tag);
    }
    if (sink)
      sink->event(std::move(*event));
    else
      result.events.push_back(std::move(*event));
    ++m_records;
    at += view.recordBytes;
  }
  m_pending.erase(0, at);
  m_offset += at;
  if (m_dead) m_pending.clear();
}

}  // namespace loom::events
