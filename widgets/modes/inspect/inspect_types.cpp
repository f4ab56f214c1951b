// Filters and sample images (inspect_types.h).
#include "widgets/modes/inspect/inspect_types.h"

#include "engine/data/dataset.h"

namespace loom::studio {

bool matchesFilter(const SamplePrediction& p, const SampleFilter& f) {
  if (f.trueClass >= 0 && p.label != f.trueClass) return false;
  if (f.predictedClass >= 0 && p.predicted != f.predictedClass) return false;
  if (f.misclassifiedOnly && !p.misclassified()) return false;
  return p.confidence >= f.minConfidence && p.confidence <= f.maxConfidence;
}

std::vector<int> filterSamples(const std::vector<SamplePrediction>& predictions,
                               const SampleFilter& filter) {
  std::vector<int> out;
  for (size_t i = 0; i < predictions.size(); ++i)
    if (matchesFilter(predictions[i], filter)) out.push_back(static_cast<int>(i));
  return out;
}

QImage sampleImage(const loom::Dataset& data, int index) {
  const auto& dims = data.images.dims();
  const int c = static_cast<int>(dims[1]), h = static_cast<int>(dims[2]),
            w = static_cast<int>(dims[3]);
  const std::uint8_t* src =
      data.images.data<std::uint8_t>() + static_cast<std::int64_t>(index) * c * h * w;
  QImage img(w, h, c == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  for (int y = 0; y < h; ++y) {
    uchar* line = img.scanLine(y);
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < (c == 1 ? 1 : 3); ++k)
        line[x * (c == 1 ? 1 : 3) + k] = src[(k * h + y) * w + x];
  }
  return img;
}

}  // namespace loom::studio
