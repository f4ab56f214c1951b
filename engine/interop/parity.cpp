#include "engine/interop/parity.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/core/threads.h"
#include "engine/data/dataset_registry.h"
#include "engine/data/transforms.h"
#include "engine/interop/loom_inference.h"
#include "engine/interop/opencv_runtime.h"

namespace loom {

Expected<Tensor> preprocessedTestImages(const Model& model, std::int64_t limit,
                                        std::vector<std::int64_t>* labels,
                                        std::vector<std::string>* classNames) {
  Model m = model;
  applyDefaults(m);
  LOOM_ASSIGN_OR_RETURN(Dataset test, loadDataset(m.dataset, Split::Test));
  if (test.size() < limit)
    return invalidArgument("the test split of " + test.source + " has " +
                           std::to_string(test.size()) + " samples, fewer than the " +
                           std::to_string(limit) + " asked for");
  const Normalization norm = Normalization::uniform(m.dataset.mean(), m.dataset.std());
  LOOM_RETURN_IF_ERROR(validateTransforms(test, norm, Augmentation{}));
  Dims dims = test.images.dims();
  dims[0] = limit;
  Tensor out(dims);
  const std::int64_t per = test.sampleElements();
  SampleTransform transform(test, norm, Augmentation{});
  for (std::int64_t i = 0; i < limit; ++i) transform.apply(i, 0, 0, false, out.f32() + i * per);
  if (labels) {
    labels->resize(static_cast<size_t>(limit));
    for (std::int64_t i = 0; i < limit; ++i)
      (*labels)[static_cast<size_t>(i)] = test.labels.data<std::int64_t>()[i];
  }
  if (classNames) *classNames = test.classNames;
  return out;
}

Tensor applyPreprocessing(const Tensor& pixels, const Preprocessing& pre) {
  Tensor out(pixels.dims());
  const std::int64_t n = pixels.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    const double p = pixels.dtype() == DType::U8 ? pixels.data<std::uint8_t>()[i] : pixels.f32()[i];
    out.f32()[i] = pre.normalization == "none"
                       ? static_cast<float>(p)
                       : static_cast<float>((p / 255.0 - pre.mean) / pre.std);
  }
  return out;
}

Tensor sliceBatch(const Tensor& t, std::int64_t begin, std::int64_t end) {
  Dims dims = t.dims();
  dims[0] = end - begin;
  Tensor out(dims, t.dtype());
  const size_t row = t.bytes() / static_cast<size_t>(t.dim(0));
  std::memcpy(out.raw(), static_cast<const char*>(t.raw()) + row * static_cast<size_t>(begin),
              row * static_cast<size_t>(end - begin));
  return out;
}

std::int64_t argmaxRow(const Tensor& t, std::int64_t row) {
  const std::int64_t c = t.numel() / t.dim(0);
  const float* p = t.f32() + row * c;
  return std::max_element(p, p + c) - p;
}

Expected<ParityResult> checkParity(const Model& model, const std::string& onnxPath,
                                   const Tensor& images, const std::vector<std::int64_t>& labels,
                                   std::int64_t batch, const std::string& outputName,
                                   const ParityBatchFn& onBatch) {
  ScopedComputeThreads threads(model.training.threads());
  setOpenCvThreads(model.training.threads() > 0 ? resolveComputeThreads(model.training.threads())
                                                : 0);
  LOOM_ASSIGN_OR_RETURN(auto loom, LoomInference::create(model));
  LOOM_ASSIGN_OR_RETURN(auto cv, OpenCvOnnxModel::load(onnxPath));
  ParityResult r;
  r.output = outputName;
  r.batch = batch;
  const std::int64_t n = images.dim(0);
  for (std::int64_t begin = 0; begin < n; begin += batch) {
    const std::int64_t end = std::min(n, begin + batch);
    const Tensor x = sliceBatch(images, begin, end);
    LOOM_ASSIGN_OR_RETURN(Tensor a, loom->run(x));
    LOOM_ASSIGN_OR_RETURN(Tensor b, cv->run(x));
    if (a.numel() != b.numel() || a.dim(0) != b.dim(0))
      return invalidArgument("output \"" + outputName + "\": Loom gives " + dimsToString(a.dims()) +
                             " but OpenCV gives " + dimsToString(b.dims()) + " for a batch of " +
                             std::to_string(end - begin));
    for (std::int64_t i = 0; i < a.numel(); ++i) {
      const double d = std::fabs(double(a.f32()[i]) - double(b.f32()[i]));
      if (!std::isfinite(d)) {
        r.maxAbs = r.maxRel = INFINITY;
        continue;
      }
      r.maxAbs = std::max(r.maxAbs, d);
      r.maxRel = std::max(r.maxRel, d / std::max(1.0, std::fabs(double(a.f32()[i]))));
    }
    if (!labels.empty() && a.rank() == 2)
      for (std::int64_t i = 0; i < end - begin; ++i) {
        const std::int64_t want = labels[static_cast<size_t>(begin + i)];
        r.loomCorrect += argmaxRow(a, i) == want;
        r.opencvCorrect += argmaxRow(b.reshaped(a.dims()), i) == want;
      }
    r.samples += end - begin;
    if (onBatch && !onBatch(r.samples))
      return Status(ErrorCode::Cancelled,
                    "parity check cancelled after " + std::to_string(r.samples) + " images");
  }
  return r;
}

}  // namespace loom
