// Fuzz target: the event-file reader (engine/events/event_file_reader.h). The input is an
// event file; it is read twice, whole and as a file growing in two steps (split where the
// first byte says), and both reads must agree: the same records, the same problem. Every
// record the scalar fast path (scalar_decode.h) takes must decode the same by the full parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/events/event_file_reader.h"
#include "engine/events/scalar_decode.h"
#include "engine/events/tfrecord.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

/// Aborts when the fast path takes `payload` and the full parse disagrees.
void checkFastPath(std::string_view payload) {
  using namespace loom::events;
  ScalarEvent fast;
  if (!decodeScalarEvent(payload, &fast)) return;
  const auto full = decodeEvent(payload);
  if (!full.hasValue() || full->wallTime != fast.wallTime || full->step != fast.step ||
      !full->fileVersion.empty() || !full->otherKind.empty() ||
      full->values.size() != fast.values.size())
    std::abort();
  for (std::size_t i = 0; i < fast.values.size(); ++i) {
    const double a = full->values[i].scalar, b = fast.values[i].value;
    if (full->values[i].tag != fast.values[i].tag || full->values[i].kind != TagKind::Scalar ||
        !(a == b || (a != a && b != b)))
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using loom::events::EventFileReader;
  // Each record's payload, and the whole input as one payload.
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  checkFastPath(rest);
  loom::events::RecordView view;
  while (loom::events::parseRecord(rest, &view) == loom::events::RecordParse::Complete) {
    checkFastPath(view.payload);
    rest.remove_prefix(view.recordBytes);
  }
  const std::string path = loom::fuzz::writeInput(data, size, ".tfevents");
  EventFileReader whole(path);
  const auto all = whole.poll();

  const std::size_t split = size == 0 ? 0 : (data[0] * size) / 256;
  (void)loom::fuzz::writeInput(data, split, ".tfevents");
  EventFileReader growing(path);
  std::size_t events = 0;
  auto drain = [&](std::uint64_t chunk) {
    for (;;) {
      auto more = growing.poll(chunk);  // small reads: records split across polls
      events += more.events.size();
      if (!more.grew) break;
    }
  };
  drain(7);
  (void)loom::fuzz::writeInput(data, size, ".tfevents");
  drain(13);
  // Both readers saw the same bytes: they agree on the records and on the problem.
  if (events != all.events.size()) std::abort();
  if (whole.dead() != growing.dead()) std::abort();
  if (whole.dead() && whole.problem()->offset != growing.problem()->offset) std::abort();
  return 0;
}
