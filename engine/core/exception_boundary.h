// The exception boundary: where engine work meets a caller that must never see an exception.
//
// Engine code reports errors as Status values, but the libraries it stands on throw:
// allocation (std::bad_alloc), nlohmann::json (type errors on bad UTF-8), protobuf, OpenCV
// (cv::Exception) and the standard library (std::length_error, std::system_error). An
// exception that escapes a thread entry point or `main` aborts the process, so every such
// entry point — each `loom` command, the studio's worker tasks, the data loader's thread —
// runs its body through guarded(), which turns whatever escapes into a Status that names
// what was being done:
//
//   Status s = guarded("loading model \"m.loom\"", [&] { return loadAndTrain(); });
//
// std::bad_alloc becomes ErrorCode::OutOfMemory (with the memory budget in the message);
// every other exception becomes ErrorCode::Internal with its what() text, since a throw that
// reaches the boundary is a check missing closer to the input.
#pragma once

#include <exception>
#include <string>
#include <type_traits>

#include "engine/core/status.h"

namespace loom {

/// The Status for an exception caught at a boundary; `context` says what was being done.
Status statusFromException(std::exception_ptr error, const std::string& context);

/// Runs `body` (returning Status or Expected<T>) and returns its result, or the Status of the
/// exception that escaped it.
template <class Body>
auto guarded(const std::string& context, Body&& body) -> std::invoke_result_t<Body> {
  try {
    return body();
  } catch (...) {
    return statusFromException(std::current_exception(), context);
  }
}

}  // namespace loom
