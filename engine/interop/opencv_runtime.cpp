#include "engine/interop/opencv_runtime.h"

#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <vector>

namespace loom {

const std::vector<std::string>& opencvMissingOnnxOps() {
  static const std::vector<std::string> ops = {};  // 4.6 runs every op Loom writes, Erf too
  return ops;
}

void setOpenCvThreads(int threads) {
  cv::setNumThreads(threads > 0 ? threads : -1);  // -1: OpenCV's default
}

struct OpenCvOnnxModel::Impl {
  cv::dnn::Net net;
};

OpenCvOnnxModel::OpenCvOnnxModel() : m_impl(std::make_unique<Impl>()) {}
OpenCvOnnxModel::~OpenCvOnnxModel() = default;

Expected<std::unique_ptr<OpenCvOnnxModel>> OpenCvOnnxModel::load(const std::string& path) {
  std::unique_ptr<OpenCvOnnxModel> self(new OpenCvOnnxModel);
  self->m_path = path;
  try {
    self->m_impl->net = cv::dnn::readNetFromONNX(path);
    self->m_impl->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    self->m_impl->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  } catch (const cv::Exception& e) {
    return unsupported(path + ": OpenCV " CV_VERSION " cannot load it: " + e.what());
  }
  if (self->m_impl->net.empty()) return unsupported(path + ": OpenCV loaded an empty network");
  return self;
}

Expected<Tensor> OpenCvOnnxModel::run(const Tensor& batch) {
  if (batch.dtype() != DType::F32) return invalidArgument("OpenCV input must be float32");
  const Tensor plain = batch.layout() == Layout::Plain ? batch : batch.toLayout(Layout::Plain);
  std::vector<int> sizes;
  for (std::int64_t d : plain.dims()) sizes.push_back(static_cast<int>(d));
  try {
    cv::Mat in(static_cast<int>(sizes.size()), sizes.data(), CV_32F,
               const_cast<void*>(plain.raw()));
    m_impl->net.setInput(in);
    cv::Mat out = m_impl->net.forward();
    if (out.type() != CV_32F || !out.isContinuous())
      return internalError(m_path + ": OpenCV returned a non-float or non-contiguous output");
    Dims dims;
    for (int i = 0; i < out.dims; ++i) dims.push_back(out.size[i]);
    Tensor result(dims);
    std::memcpy(result.raw(), out.ptr<float>(), result.bytes());
    return result;
  } catch (const cv::Exception& e) {
    return unsupported(m_path + ": OpenCV " CV_VERSION " failed to run it on a batch of " +
                       dimsToString(plain.dims()) + ": " + e.what());
  }
}

}  // namespace loom
