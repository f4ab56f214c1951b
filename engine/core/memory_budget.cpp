#include "engine/core/memory_budget.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace loom {

namespace {
std::int64_t parseBudget(const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || !(v > 0) || !std::isfinite(v)) return 0;
  double scale = 1;
  switch (*end) {
    case 'T':
    case 't':
      scale *= 1024;
      [[fallthrough]];
    case 'G':
    case 'g':
      scale *= 1024;
      [[fallthrough]];
    case 'M':
    case 'm':
      scale *= 1024;
      [[fallthrough]];
    case 'K':
    case 'k':
      scale *= 1024;
      break;
    case '\0':
      break;
    default:
      return 0;  // "10X": not a size
  }
  if (*end != '\0') {
    ++end;
    if (*end == 'i') ++end;  // "8GiB", "8GB", "8G" all mean 8 * 1024^3
    if (*end == 'B' || *end == 'b') ++end;
    if (*end != '\0') return 0;
  }
  const double bytes = v * scale;
  if (bytes < 1) return 0;
  return bytes >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(bytes);
}

std::int64_t physicalMemory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return std::int64_t{8} << 30;  // unknown: assume 8 GiB
  return static_cast<std::int64_t>(pages) * page;
}
}  // namespace

std::string memoryBudgetProblem() {
  const char* env = std::getenv("LOOM_MEMORY_BUDGET");
  if (!env || parseBudget(env) > 0) return {};
  return std::string("LOOM_MEMORY_BUDGET=\"") + env +
         "\" is not a size: give a positive number of bytes, optionally with K, M, G or T "
         "(powers of 1024), e.g. LOOM_MEMORY_BUDGET=8G";
}

std::int64_t memoryBudgetBytes() {
  static const std::int64_t budget = [] {
    if (const char* env = std::getenv("LOOM_MEMORY_BUDGET"))
      if (std::int64_t b = parseBudget(env); b > 0) return b;
    return physicalMemory() / 4 * 3;
  }();
  return budget;
}

std::string formatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int i = 0;
  while (bytes >= 1024 && i < 6) {
    bytes /= 1024;
    ++i;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f %s", bytes, units[i]);
  return buf;
}

}  // namespace loom
