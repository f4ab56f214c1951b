// Baselines of explanation.h.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/imgproc.hpp>

#include "engine/core/rng.h"
#include "engine/explain/explanation.h"

namespace loom {

const std::vector<std::pair<std::string, BaselineKind>>& baselineNames() {
  static const std::vector<std::pair<std::string, BaselineKind>> names = {
      {"black", BaselineKind::Black},
      {"blurred", BaselineKind::Blurred},
      {"uniform_noise", BaselineKind::UniformNoise},
      {"dataset_mean", BaselineKind::DatasetMean}};
  return names;
}

const char* baselineName(BaselineKind kind) {
  for (const auto& [name, k] : baselineNames())
    if (k == kind) return name.c_str();
  return "?";
}

Expected<BaselineKind> parseBaseline(const std::string& text) {
  std::string all;
  for (const auto& [name, k] : baselineNames()) {
    if (name == text) return k;
    all += (all.empty() ? "" : ", ") + name;
  }
  return invalidArgument("baseline \"" + text + "\" is not one of: " + all);
}

namespace {
float perChannel(const std::vector<float>& v, std::int64_t c) {
  if (v.empty()) return 0.0f;
  return v[std::min<size_t>(static_cast<size_t>(c), v.size() - 1)];
}
}  // namespace

Status makeBaseline(const BaselineSpec& spec, const Dims& dims, const float* x, std::int64_t index,
                    float* dst) {
  const std::int64_t n = numElements(dims);
  const std::int64_t channels = dims.size() == 3 ? dims[0] : 1;
  const std::int64_t plane = n / channels;
  switch (spec.kind) {
    case BaselineKind::Black:
      for (std::int64_t c = 0; c < channels; ++c)
        std::fill(dst + c * plane, dst + (c + 1) * plane, perChannel(spec.black, c));
      return Status::ok();
    case BaselineKind::UniformNoise: {
      Philox rng(spec.seed ^ (0xB5E11E5ull * static_cast<std::uint64_t>(index + 1)));
      for (std::int64_t c = 0; c < channels; ++c) {
        const float lo = perChannel(spec.black, c), hi = perChannel(spec.white, c);
        for (std::int64_t i = 0; i < plane; ++i)
          dst[c * plane + i] = lo + (hi - lo) * rng.uniform();
      }
      return Status::ok();
    }
    case BaselineKind::Blurred: {
      if (dims.size() != 3) return invalidArgument("baseline \"blurred\" needs [C, H, W] inputs");
      const int h = static_cast<int>(dims[1]), w = static_cast<int>(dims[2]);
      for (std::int64_t c = 0; c < channels; ++c) {
        cv::Mat src(h, w, CV_32F, const_cast<float*>(x + c * plane));
        cv::Mat out(h, w, CV_32F, dst + c * plane);
        cv::GaussianBlur(src, out, cv::Size(0, 0), spec.blurSigma, spec.blurSigma,
                         cv::BORDER_REFLECT_101);
      }
      return Status::ok();
    }
    case BaselineKind::DatasetMean:
      if (spec.datasetMean.empty() || spec.datasetMean.dims() != dims)
        return invalidArgument("baseline \"dataset_mean\" needs a mean image of shape " +
                               dimsToString(dims) + ", got " +
                               (spec.datasetMean.empty() ? std::string("none")
                                                         : dimsToString(spec.datasetMean.dims())));
      std::memcpy(dst, spec.datasetMean.f32(), 4 * static_cast<size_t>(n));
      return Status::ok();
  }
  return internalError("makeBaseline: unknown baseline kind");
}

}  // namespace loom
