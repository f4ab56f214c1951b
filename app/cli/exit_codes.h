// The `loom` command's exit codes (documented in docs/cli.md and `loom --help`).
#pragma once

#include <string>

#include "engine/core/status.h"

namespace loom::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,     ///< a bug in Loom, or an unsupported request
  kExitUsage = 2,        ///< bad command line
  kExitModel = 3,        ///< model file does not parse or is invalid (syntax, op, shape)
  kExitData = 4,         ///< data set or file missing or corrupt (incl. truncated checkpoints)
  kExitCheckpoint = 5,   ///< checkpoint belongs to a different model
  kExitDiverged = 6,     ///< training produced NaN/Inf
  kExitIo = 7,           ///< the OS refused a read or write
  kExitMemory = 8,       ///< out of memory (an allocation failed)
  kExitParity = 9,       ///< an exported file computes other numbers than Loom (loom export)
  kExitCancelled = 130,  ///< stopped by Ctrl+C (a checkpoint was written)
};

inline int exitCodeFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::Ok:
      return kExitOk;
    case ErrorCode::InvalidArgument:
      return kExitUsage;
    case ErrorCode::ParseError:
    case ErrorCode::UnknownOp:
    case ErrorCode::ShapeMismatch:
    case ErrorCode::InvalidGraph:
      return kExitModel;
    case ErrorCode::NotFound:
    case ErrorCode::DataCorrupt:
      return kExitData;
    case ErrorCode::ModelMismatch:
      return kExitCheckpoint;
    case ErrorCode::NonFinite:
      return kExitDiverged;
    case ErrorCode::IoError:
      return kExitIo;
    case ErrorCode::Cancelled:
      return kExitCancelled;
    case ErrorCode::OutOfMemory:
      return kExitMemory;
    case ErrorCode::Unsupported:
    case ErrorCode::Internal:
      return kExitInternal;
  }
  return kExitInternal;
}

/// Every exit code, as data: `loom --help`'s footer, `loom exit-codes` and the table in
/// docs/cli.md (checked by ctest `cli_docs_exit_codes_match`) are all printed from it.
struct ExitCodeInfo {
  int code;
  const char* brief;    ///< a few words, for --help
  const char* meaning;  ///< the table's sentence
};
inline constexpr ExitCodeInfo kExitCodes[] = {
    {kExitOk, "success", "success"},
    {kExitInternal, "internal error", "internal error (a bug) or unsupported request"},
    {kExitUsage, "bad command line", "bad command line or argument"},
    {kExitModel, "invalid model file",
     "model file does not parse or is invalid (syntax error with file:line:column, unknown op, "
     "shape mismatch naming the node and both shapes, a size beyond the memory budget)"},
    {kExitData, "missing or corrupt data/checkpoint",
     "data set or file missing (names the path and the Debian package) or corrupt (truncated "
     "IDX, truncated or bad-checksum checkpoint)"},
    {kExitCheckpoint, "checkpoint of another model", "checkpoint belongs to a different model"},
    {kExitDiverged, "training diverged (NaN/Inf)",
     "training or evaluation produced NaN/Inf, naming the first node that produced it"},
    {kExitIo, "I/O error",
     "the operating system refused a read or write, or the path is not a regular file"},
    {kExitMemory, "out of memory",
     "out of memory: an allocation failed (the message gives the memory budget, "
     "`LOOM_MEMORY_BUDGET`)"},
    {kExitParity, "exported file failed the parity check",
     "`loom export`: the exported file failed the parity check (OpenCV's numbers differ from "
     "Loom's above the tolerance)"},
    {kExitCancelled, "cancelled by Ctrl+C",
     "cancelled with Ctrl+C or SIGTERM (a checkpoint was written first)"},
};

/// "Exit codes: 0 success, 1 internal error, …" for `loom --help`.
std::string exitCodeHelp();
/// The Markdown table of docs/cli.md.
std::string exitCodesMarkdown();

}  // namespace loom::cli
