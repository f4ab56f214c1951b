#include "engine/interop/onnx_file.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <onnx/onnx_pb.h>

#include "engine/core/file_util.h"

namespace loom {

namespace {
// Deep enough for every real model (graphs nest only through If/Loop bodies); a file nested
// deeper is refused before it can exhaust the stack.
constexpr int kMaxNesting = 64;
}  // namespace

Expected<std::shared_ptr<onnx::ModelProto>> parseOnnxBytes(const std::string& bytes,
                                                           const std::string& source) {
  auto model = std::make_shared<onnx::ModelProto>();
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream in(&raw);
  in.SetRecursionLimit(kMaxNesting);
  if (bytes.size() > static_cast<size_t>(INT32_MAX))
    return unsupported(source + ": " + std::to_string(bytes.size()) +
                       " bytes; ONNX files over 2 GiB are not read");
  if (!model->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    return dataCorrupt(source +
                       ": not a valid ONNX file (protobuf parse failed: truncated, "
                       "damaged, or nested deeper than " +
                       std::to_string(kMaxNesting) + ")");
  return model;
}

Expected<std::shared_ptr<onnx::ModelProto>> readOnnxFile(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(std::string bytes, readFile(path));
  return parseOnnxBytes(bytes, path);
}

Expected<std::map<std::string, std::string>> readOnnxMetadata(const std::string& path) {
  LOOM_ASSIGN_OR_RETURN(auto model, readOnnxFile(path));
  std::map<std::string, std::string> meta;
  for (const auto& e : model->metadata_props()) meta[e.key()] = e.value();
  return meta;
}

}  // namespace loom
