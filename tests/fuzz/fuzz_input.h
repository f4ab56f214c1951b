// Helpers for fuzz targets whose parser reads a path, not a buffer: the input is written to a
// private file first (in /dev/shm when present, so a run does not wear the disk).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace loom::fuzz {

/// Writes `data` to a per-process file with `suffix` (e.g. ".idx") and returns its path.
inline std::string writeInput(const std::uint8_t* data, std::size_t size,
                              const std::string& suffix) {
  static const std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  const std::string path = dir + "/loom-fuzz-" + std::to_string(getpid()) + suffix;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace loom::fuzz
