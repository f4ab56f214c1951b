// Status and Expected<T>: how every engine function reports a user or model error.
//
// Library code never aborts the process on bad input. A function that can fail returns
// a Status (or an Expected<T>) whose message names what failed: the file and line, the
// node, the argument and the values involved. The CLI maps codes to exit codes
// (docs/cli.md); the studio shows the message on the node or in a dialog.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace loom {

/// What kind of failure a Status carries. Stable: the CLI's exit codes derive from it.
enum class ErrorCode {
  Ok = 0,
  InvalidArgument,  ///< a command-line or API argument is out of range or malformed
  ParseError,       ///< a model/config file does not parse (message has file:line:column)
  NotFound,         ///< a file, dataset, node or parameter does not exist
  UnknownOp,        ///< a node names an op that is not registered
  ShapeMismatch,    ///< shape inference failed (message names the node and both shapes)
  InvalidGraph,     ///< cycle, dangling input, duplicate name, missing output
  DataCorrupt,      ///< truncated or malformed data file, bad checksum
  ModelMismatch,    ///< a checkpoint or parameter set belongs to a different model
  NonFinite,        ///< NaN/Inf produced during training (message names the node)
  Unsupported,      ///< valid request that this build or backend cannot do
  IoError,          ///< the operating system refused a read or write
  Cancelled,        ///< the user stopped the work
  OutOfMemory,      ///< an allocation failed (or would exceed the memory budget)
  Internal,         ///< a bug in Loom
};

/// Short lower-case name of a code, e.g. "shape mismatch".
const char* errorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : m_code(code), m_message(std::move(message)) {}

  static Status ok() { return {}; }

  bool isOk() const { return m_code == ErrorCode::Ok; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return m_code; }
  const std::string& message() const { return m_message; }

  /// Returns a copy whose message is "<context>: <message>" (used to add the file or node).
  Status withContext(const std::string& context) const;

  /// "<code name>: <message>", for logs.
  std::string toString() const;

 private:
  ErrorCode m_code = ErrorCode::Ok;
  std::string m_message;
};

inline Status invalidArgument(std::string msg) {
  return {ErrorCode::InvalidArgument, std::move(msg)};
}
inline Status notFound(std::string msg) {
  return {ErrorCode::NotFound, std::move(msg)};
}
inline Status shapeMismatch(std::string msg) {
  return {ErrorCode::ShapeMismatch, std::move(msg)};
}
inline Status dataCorrupt(std::string msg) {
  return {ErrorCode::DataCorrupt, std::move(msg)};
}
inline Status ioError(std::string msg) {
  return {ErrorCode::IoError, std::move(msg)};
}
inline Status internalError(std::string msg) {
  return {ErrorCode::Internal, std::move(msg)};
}
inline Status unsupported(std::string msg) {
  return {ErrorCode::Unsupported, std::move(msg)};
}

/// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : m_state(std::move(value)) {}        // NOLINT: implicit by design
  Expected(Status status) : m_state(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(m_state).isOk() && "Expected built from an OK status");
  }

  bool hasValue() const { return std::holds_alternative<T>(m_state); }
  explicit operator bool() const { return hasValue(); }

  T& value() & {
    assert(hasValue());
    return std::get<T>(m_state);
  }
  const T& value() const& {
    assert(hasValue());
    return std::get<T>(m_state);
  }
  T&& value() && {
    assert(hasValue());
    return std::get<T>(std::move(m_state));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; OK when a value is held.
  Status status() const { return hasValue() ? Status::ok() : std::get<Status>(m_state); }

 private:
  std::variant<T, Status> m_state;
};

}  // namespace loom

/// Returns early from the enclosing function when `expr` (a Status) is not OK.
#define LOOM_RETURN_IF_ERROR(expr)                 \
  do {                                             \
    ::loom::Status loom_status_ = (expr);          \
    if (!loom_status_.isOk()) return loom_status_; \
  } while (false)

#define LOOM_CONCAT_INNER_(a, b) a##b
#define LOOM_CONCAT_(a, b) LOOM_CONCAT_INNER_(a, b)
#define LOOM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.hasValue()) return tmp.status();         \
  lhs = std::move(tmp).value()

/// `LOOM_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define LOOM_ASSIGN_OR_RETURN(lhs, expr) \
  LOOM_ASSIGN_OR_RETURN_IMPL_(LOOM_CONCAT_(loom_expected_, __LINE__), lhs, expr)
