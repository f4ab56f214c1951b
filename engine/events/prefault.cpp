#include "engine/events/prefault.h"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace loom::events {
namespace {

/// The whole pages inside [begin, begin + bytes): madvise takes whole pages, and an edge page
/// may belong to another allocation, whose memory these calls have no business changing.
/// False when there are none (or the range is under kPrefaultMinBytes).
bool innerPages(void* begin, std::size_t bytes, void** start, std::size_t* length) {
#if defined(__linux__)
  if (bytes < kPrefaultMinBytes) return false;
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) & ~(page - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(begin) + bytes) & ~(page - 1);
  if (last <= first) return false;
  *start = reinterpret_cast<void*>(first);
  *length = last - first;
  return true;
#else
  (void)begin, (void)bytes, (void)start, (void)length;
  return false;
#endif
}

}  // namespace

void adviseHugePages(void* begin, std::size_t bytes) {
  void* start = nullptr;
  std::size_t length = 0;
  if (!innerPages(begin, bytes, &start, &length)) return;
#if defined(MADV_HUGEPAGE)
  ::madvise(start, length, MADV_HUGEPAGE);
#endif
}

void prefaultForWrite(void* begin, std::size_t bytes) {
  void* start = nullptr;
  std::size_t length = 0;
  if (!innerPages(begin, bytes, &start, &length)) return;
#if defined(MADV_HUGEPAGE)
  ::madvise(start, length, MADV_HUGEPAGE);  // before the pages exist, or they stay 4 KiB
#endif
#if defined(MADV_POPULATE_WRITE)
  ::madvise(start, length, MADV_POPULATE_WRITE);
#endif
}

}  // namespace loom::events
