// Reading an ONNX file safely (used by `loom predict` and the importer): only regular files,
// within the file-size limit, parsed by protobuf with a nesting limit; nothing outside the
// file is read here (external data is the importer's business, onnx_import.h).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "engine/core/status.h"

namespace onnx {
class ModelProto;
}

namespace loom {

/// Parses `path` into a ModelProto. DataCorrupt naming the file when it does not parse.
Expected<std::shared_ptr<onnx::ModelProto>> readOnnxFile(const std::string& path);
/// Same, from bytes already read; `source` names them in messages.
Expected<std::shared_ptr<onnx::ModelProto>> parseOnnxBytes(const std::string& bytes,
                                                           const std::string& source);

/// The file's metadata_props as a map (a repeated key keeps its last value).
Expected<std::map<std::string, std::string>> readOnnxMetadata(const std::string& path);

}  // namespace loom
