// OpenCV's DNN module as the independent ONNX runtime: export's parity check and
// `loom predict model.onnx` run files through it, never through Loom's engine, as proof that
// a file serves without Loom.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

/// ONNX operators Loom may write that this OpenCV (4.6) has no layer for: none today (it runs
/// Erf, GELU's exact form, as onnx_export_test checks). A file using one would not be run
/// through OpenCV; the parity check would say so instead of failing (export_job.h).
const std::vector<std::string>& opencvMissingOnnxOps();

/// Sets how many threads OpenCV's DNN layers use (its TBB pool). Process-wide, unlike the
/// engine's per-thread OpenMP team (core/threads.h): 0 (or below) gives back OpenCV's default
/// of every core. The parity check sets it from the model's thread setting.
void setOpenCvThreads(int threads);

class OpenCvOnnxModel {
 public:
  ~OpenCvOnnxModel();
  /// Loads `path` with cv::dnn::readNetFromONNX. OpenCV's refusal (an exception) becomes
  /// Unsupported naming the file and OpenCV's message.
  static Expected<std::unique_ptr<OpenCvOnnxModel>> load(const std::string& path);
  /// Runs one batch (F32, Plain, any rank OpenCV takes) and returns the network's output.
  Expected<Tensor> run(const Tensor& batch);

 private:
  OpenCvOnnxModel();
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  std::string m_path;
};

}  // namespace loom
