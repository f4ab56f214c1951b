// EventFileReader: reads one event file incrementally, following it while it grows
// (docs/events.md). Each poll() reads the bytes appended since the last one and returns the
// events of every complete record; a truncated last record is kept and retried on the next
// poll (a writer may be in the middle of it). Corruption (bad length CRC, bad data CRC, a
// length over the limit, a payload that is not an Event, a NaN wall time) ends the file: it
// is reported once, with the file and the byte offset of the record, and later polls return
// nothing more from it. This is what TensorBoard's Rust loader does (FORMATS.md §1.3), except
// that the problem is reported to the caller instead of a log.
//
// Not thread-safe: one thread polls (the studio's run-store worker, `loom runs`).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/status.h"
#include "engine/events/event_types.h"
#include "engine/events/scalar_decode.h"

namespace loom::events {

/// Decodes one serialized tensorboard.Event. A payload that does not parse is DataCorrupt;
/// a NaN wall time is DataCorrupt ("wall time is NaN"). Values of unknown plugins come back
/// with TagKind::Other. TensorBoard requires a tag's SummaryMetadata only on its first value:
/// `pluginByTag` (when given) remembers each tag's plugin name from its metadata and supplies
/// it to later values that have none (one map per file, as EventFileReader keeps).
Expected<DecodedEvent> decodeEvent(std::string_view payload,
                                   std::map<std::string, std::string>* pluginByTag = nullptr);

/// Where EventFileReader::poll() hands the events of a poll as it decodes them, in file
/// order, instead of collecting them: scalar-only records (the bulk of a training log) come
/// as ScalarEvent views (decoded without protobuf, scalar_decode.h; valid during the call),
/// every other record as a DecodedEvent. A big log is then never held as decoded events.
class EventSink {
 public:
  /// Where a record lies: its byte offset and size, the offset up to which this poll reads
  /// (the file's size, or less under maxBytes) and the file's size when the poll began, so a
  /// sink can reserve room for the records still to come in this poll or in the file.
  struct Place {
    std::uint64_t offset = 0, bytes = 0, pollEnd = 0, fileEnd = 0;
  };
  virtual ~EventSink() = default;
  virtual void scalars(const ScalarEvent& event, const Place& place) = 0;
  virtual void event(DecodedEvent&& event) = 0;
};

class EventFileReader {
 public:
  /// A reader of `path`; nothing is read until poll().
  explicit EventFileReader(std::string path);

  struct PollResult {
    std::vector<DecodedEvent> events;  ///< in file order
    bool grew = false;  ///< bytes were appended since the last poll (even if no record completed)
    bool more = false;  ///< maxBytes stopped the read: the file has unread bytes
  };

  /// Reads what was appended, at most `maxBytes` (0: no limit) so one huge file cannot hold
  /// the poller for long; the rest comes with the next poll. A file that vanished, is not a
  /// regular file, or cannot be read sets problem() (IoError-like message naming the file)
  /// and returns nothing; it is retried on the next poll (a file that comes back or becomes
  /// readable is read on). A file that shrank below the bytes already read (rewritten) is
  /// reported and ends, like corruption.
  /// With a `sink`, the events go to it as they are decoded and PollResult::events stays
  /// empty (the same events, in the same order; a scalar-only record as a ScalarEvent).
  PollResult poll(std::uint64_t maxBytes = 0, EventSink* sink = nullptr);

  const std::string& path() const { return m_path; }
  /// Bytes consumed as whole records (the offset of the next record).
  std::uint64_t offset() const { return m_offset; }
  /// Bytes held of an incomplete last record (waiting for the writer).
  std::uint64_t pendingBytes() const { return m_pending.size(); }
  /// Records read so far.
  std::uint64_t records() const { return m_records; }
  /// The problem of this file, if any: corruption (then dead() is true) or a read error.
  const std::optional<FileProblem>& problem() const { return m_problem; }
  /// True after corruption: nothing more is read from this file.
  bool dead() const { return m_dead; }

 private:
  void consume(PollResult& result, EventSink* sink);
  /// Whether the fast path may take `event`: no value's tag was declared an hparams tag
  /// earlier in the file (decodeEvent then gives it the hparams kind).
  bool fastPathAllowed(const ScalarEvent& event) const;
  void fail(std::uint64_t offset, const std::string& message, bool dead);

  std::string m_path;
  std::uint64_t m_offset = 0;   ///< file offset of m_pending[0]
  std::uint64_t m_readEnd = 0;  ///< file offset up to which bytes were read
  std::uint64_t m_pollEnd = 0;  ///< the offset up to which the current poll reads
  std::uint64_t m_fileEnd = 0;  ///< the file's size when the current poll began
  std::string m_pending;        ///< bytes read but not yet a whole record
  std::uint64_t m_records = 0;
  std::map<std::string, std::string> m_pluginByTag;
  std::vector<std::string> m_hparamsTags;  ///< tags m_pluginByTag maps to "hparams"
  ScalarEvent m_scalarEvent;               ///< reused by the fast path
  std::optional<FileProblem> m_problem;
  bool m_dead = false;
};

}  // namespace loom::events
