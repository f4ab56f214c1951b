// Fuzz target: the event-file reader (engine/events/event_file_reader.h). The input is an
// event file; it is read twice, whole and as a file growing in two steps (split where the
// first byte says), and both reads must agree: the same records, the same problem.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "engine/events/event_file_reader.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using loom::events::EventFileReader;
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
