// ONNX's own C++ checker and strict shape inference (Debian's libonnx), run on every file
// Loom writes and every file it imports.
#pragma once

#include <string>

#include "engine/core/status.h"

namespace onnx {
class ModelProto;
}

namespace loom {

/// onnx::checker::check_model, then shape inference with type checks and errors thrown
/// (the C++ side of Python's check_model(full_check=True)). DataCorrupt with ONNX's message,
/// prefixed by `source`.
Status checkOnnxModel(const onnx::ModelProto& model, const std::string& source);

}  // namespace loom
