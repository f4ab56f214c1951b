// Small file helpers with Status errors that name the path.
#pragma once

#include <string>

#include "engine/core/status.h"

namespace loom {

/// Whole file as bytes. NotFound if missing, IoError otherwise; both name the path.
Expected<std::string> readFile(const std::string& path);

/// Crash-safe replace: writes `path.tmp-<pid>`, fsyncs it, renames it over `path`, then
/// fsyncs the directory. A reader sees the old file or the new one, never a mix.
Status writeFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace loom
