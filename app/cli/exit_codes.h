// The `loom` command's exit codes (documented in docs/cli.md and `loom --help`).
#pragma once

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

inline constexpr const char* kExitCodeHelp =
    "Exit codes: 0 success, 1 internal error, 2 bad command line, 3 invalid model file,\n"
    "4 missing or corrupt data/checkpoint, 5 checkpoint of another model, 6 training\n"
    "diverged (NaN/Inf), 7 I/O error, 8 out of memory, 9 exported file failed the parity\n"
    "check, 130 cancelled by Ctrl+C.";

}  // namespace loom::cli
