#include "engine/interop/onnx_check.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <exception>

namespace loom {

Status checkOnnxModel(const onnx::ModelProto& model, const std::string& source) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    return dataCorrupt(source + ": ONNX checker: " + e.what());
  }
  try {
    onnx::ModelProto copy = model;  // inference annotates the graph; keep the caller's as is
    onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1);
    onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    return dataCorrupt(source + ": ONNX shape inference: " + e.what());
  }
  return Status::ok();
}

}  // namespace loom
