#include "engine/core/status.h"

namespace loom {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Ok:
      return "ok";
    case ErrorCode::InvalidArgument:
      return "invalid argument";
    case ErrorCode::ParseError:
      return "parse error";
    case ErrorCode::NotFound:
      return "not found";
    case ErrorCode::UnknownOp:
      return "unknown op";
    case ErrorCode::ShapeMismatch:
      return "shape mismatch";
    case ErrorCode::InvalidGraph:
      return "invalid graph";
    case ErrorCode::DataCorrupt:
      return "data corrupt";
    case ErrorCode::ModelMismatch:
      return "model mismatch";
    case ErrorCode::NonFinite:
      return "non-finite value";
    case ErrorCode::Unsupported:
      return "unsupported";
    case ErrorCode::IoError:
      return "i/o error";
    case ErrorCode::Cancelled:
      return "cancelled";
    case ErrorCode::OutOfMemory:
      return "out of memory";
    case ErrorCode::Internal:
      return "internal error";
  }
  return "unknown";
}

Status Status::withContext(const std::string& context) const {
  if (isOk()) return *this;
  return {m_code, context + ": " + m_message};
}

std::string Status::toString() const {
  if (isOk()) return "ok";
  return std::string(errorCodeName(m_code)) + ": " + m_message;
}

}  // namespace loom
