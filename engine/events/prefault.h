// prefaultForWrite(): map a fresh buffer's pages before it is written (docs/events.md,
// "Reading fast"). On the development VMs a first write to a 4 KiB page costs ~12 µs (a page
// fault in a guest whose page tables the host shadows): 480 MB of fresh arrays, the scalars of
// a 20-million-point log, took 1.5 s to touch page by page, 0.03-0.05 s when the range was
// asked for as transparent huge pages and populated in one madvise call each
// (docs/dashboard.md, figures G). Used by LogDirReader for its series and by the studio's
// scalar columns.
#pragma once

#include <cstddef>

namespace loom::events {

/// Buffers smaller than this are left to fault page by page (the calls would cost more than
/// they save, and a huge page would round a small buffer's memory up to 2 MiB).
inline constexpr std::size_t kPrefaultMinBytes = std::size_t{4} << 20;

/// Asks the kernel to back the whole pages of [begin, begin + bytes) with transparent huge
/// pages where the range covers aligned 2 MiB (MADV_HUGEPAGE; honoured in THP "madvise" and
/// "always" modes), as they are first written: one fault per 2 MiB instead of 512. Call it
/// before the pages are written (a page that exists stays 4 KiB). Only a hint: contents are
/// unchanged, and where it is unsupported or refused the pages fault in as before. No-op
/// under kPrefaultMinBytes and off Linux.
void adviseHugePages(void* begin, std::size_t bytes);

/// adviseHugePages(), then maps the range's pages writable now (MADV_POPULATE_WRITE, Linux
/// 5.14), in one call instead of a fault per page. The same hint, the same no-ops.
void prefaultForWrite(void* begin, std::size_t bytes);

}  // namespace loom::events
