// EventWriter: writes one TensorBoard event file in a run directory from a writer thread
// (docs/events.md). The calls below only copy their arguments into a queue and return;
// serializing, histogram binning, PNG encoding and the write() all happen on the writer
// thread, so a training step that logs pays for a copy, never for I/O.
//
//   auto writer = EventWriter::open("runs/cnn");          // creates the file, writes file_version
//   (*writer)->scalar("loss/train", step, 0.25);
//   (*writer)->histogram("fc1/weights", step, values);   // binned on the writer thread
//   (*writer)->close();                                   // drains the queue, fsyncs, closes
//
// File name: events.out.tfevents.<seconds, 10 digits>.<microseconds, 6 digits>.<host>.<pid>.<n>
// (`n` counts the writers of this process). It contains "tfevents", so TensorBoard and every
// reader of FORMATS.md §1.1 take it; names of one run directory sort in the order the
// writers started (seconds, then microseconds); the pid and `n` keep two writers started in
// the same microsecond apart, and the file is created with O_EXCL, so a name is never reused.
//
// Records: the first is Event{wall_time, file_version "brain.Event:2", source_metadata
// "loom"}. Every record is written whole with one write() call, so a reader never sees half
// a record unless the process dies inside that call; a reader then still gets every record
// before it (tests/engine/events). Wall times are always finite (std::chrono::system_clock).
//
// Thread safety: every method may be called from any thread; records from one thread keep
// their order. Errors of the writer thread (disk full) are kept: the next call to flush()
// or close() returns the first one, and later records are dropped (logging never stops a run).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/events/event_types.h"

namespace loom::events {

struct EventWriterOptions {
  /// Appended to the file name (TensorBoard's `filename_suffix`), e.g. ".v2". Default none.
  std::string suffix;
  /// Records waiting for the writer thread above this are dropped (counted in dropped()),
  /// so a stalled disk costs bounded memory. Bytes of queued payloads, not records.
  std::size_t maxQueuedBytes = std::size_t{256} << 20;
  /// Histogram buckets for histogram() from raw values (TensorBoard's default is 30).
  int histogramBuckets = 30;
};

/// How a run ended, for the hparams plugin's SessionEndInfo (TensorBoard's Status enum).
enum class SessionStatus { Unknown = 0, Success = 1, Failure = 2, Running = 3 };

class EventWriter {
 public:
  /// Creates `dir` if needed and a new event file in it; the file_version record is queued.
  /// IoError names the directory or the file and the system's reason.
  static Expected<std::unique_ptr<EventWriter>> open(const std::string& dir,
                                                     const EventWriterOptions& options = {});
  /// close(), ignoring its error.
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  /// The file's path.
  const std::string& path() const;

  // ---- values (each one record; wall time taken at the call) ----

  /// Summary.Value.simple_value (TensorBoard's legacy scalar: read by every version).
  void scalar(const std::string& tag, std::int64_t step, double value);
  /// The tensor form: DT_FLOAT rank-0 tensor with plugin "scalars" (what tf.summary.scalar
  /// writes in TF 2; TensorBoard's Rust server reads only DT_FLOAT here).
  void tensorScalar(const std::string& tag, std::int64_t step, double value);
  /// Several simple_value scalars at one step in one record.
  void scalars(std::int64_t step, const std::vector<std::pair<std::string, double>>& values);
  /// A histogram of `values`: `histogramBuckets` equal-width buckets over [min, max] (one
  /// bucket when all values are equal); non-finite values are left out and counted in the
  /// tag "<tag>/nonfinite" (a scalar) when there are any. Empty `values`: nothing is written.
  void histogram(const std::string& tag, std::int64_t step, std::vector<float> values);
  /// A histogram already binned (written as given; HistogramProto).
  void histogram(const std::string& tag, std::int64_t step, const Histogram& histogram);
  /// An image, PNG-encoded on the writer thread (OpenCV imencode). `pixels` is row-major,
  /// height × width × channels bytes, channels 1 (gray), 3 (RGB) or 4 (RGBA). Summary.Image.
  void image(const std::string& tag, std::int64_t step, int width, int height, int channels,
             std::vector<std::uint8_t> pixels);
  /// Text (the text plugin: a DT_STRING tensor holding `text`, Markdown).
  void text(const std::string& tag, std::int64_t step, const std::string& text);
  /// hparams plugin: the session's hyperparameters ("_hparams_/session_start_info"), so
  /// TensorBoard's HParams tab lists the run. `startTime` 0: now.
  void sessionStart(const std::map<std::string, HParamValue>& hparams,
                    const std::string& groupName = "", double startTime = 0);
  /// hparams plugin: how the session ended ("_hparams_/session_end_info"). `endTime` 0: now.
  void sessionEnd(SessionStatus status, double endTime = 0);
  /// hparams plugin: the experiment ("_hparams_/experiment"): which hparams and metric tags
  /// TensorBoard's HParams table shows as columns.
  void experiment(const std::vector<std::string>& hparamNames,
                  const std::vector<std::string>& metricTags);
  /// A raw, already serialized tensorboard.Event (tests, tools).
  void rawEvent(std::string serializedEvent);

  // ---- control ----

  /// Waits until every record queued before the call is written to the file (write(2)).
  /// Returns the writer thread's first error, if any.
  Status flush();
  /// flush(), fsync, close; later calls to value methods are ignored. Idempotent.
  Status close();
  /// Records dropped because the queue was full or an error had occurred.
  std::uint64_t dropped() const;

 private:
  struct Impl;
  explicit EventWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

/// Bins `values` as EventWriter::histogram() does (finite values only; nonFinite counts the
/// others). Exposed for the trainer's tests and the benchmark.
Histogram makeHistogram(std::span<const float> values, int buckets, std::int64_t* nonFinite);

/// Serializes Event{wall_time, step, summary{value{tag, simple_value}}} exactly as the
/// writer does (tests compare it with FORMATS.md §1.2's bytes).
std::string serializeScalarEvent(double wallTime, std::int64_t step, const std::string& tag,
                                 float value);
/// Serializes Event{wall_time, file_version} (no source_metadata), as in FORMATS.md §1.2.
std::string serializeFileVersionEvent(double wallTime, const std::string& version);

}  // namespace loom::events
