// Small file helpers with Status errors that name the path.
#pragma once

#include <cstddef>
#include <string>

#include "engine/core/status.h"

namespace loom {

/// The most readFile() reads by default: model files, checkpoints and CSV tables are read
/// whole, and a file this large is refused rather than read until memory runs out.
inline constexpr std::size_t kDefaultMaxFileBytes = std::size_t{4} << 30;  // 4 GiB

/// Whole file as bytes. Only regular files are read: a directory, a FIFO, a socket or a device
/// such as /dev/zero is refused at once (never waited on: the open does not block); a file
/// larger than `maxBytes`, or one that grows past it while being read, is refused too.
/// NotFound if missing; IoError otherwise (not a regular file, too large, read error); every
/// message names the path and says what the path is.
Expected<std::string> readFile(const std::string& path,
                               std::size_t maxBytes = kDefaultMaxFileBytes);

/// Ok when `path` names a regular file (following symlinks); otherwise NotFound or IoError with
/// the reason ("is a directory", "is a FIFO", "is a character device", "is a symlink loop").
/// `what` starts the message, e.g. "model file" or "IDX file".
Status checkRegularFile(const std::string& path, const std::string& what = "file");

/// Crash-safe replace: writes `path.tmp-<pid>`, fsyncs it, renames it over `path`, then
/// fsyncs the directory. A reader sees the old file or the new one, never a mix.
Status writeFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace loom
