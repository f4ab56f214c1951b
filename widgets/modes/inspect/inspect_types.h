// Plain data the Inspect mode passes between its worker (inspect_engine.h) and its panels:
// one prediction per test sample, the filter over them, and one computed attribution map.
#pragma once

#include <QImage>
#include <QString>
#include <QStringList>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace loom {
struct Dataset;
}

namespace loom::studio {

/// The model's verdict on one test sample.
struct SamplePrediction {
  int index = 0;          ///< the sample's index in the test split
  int label = 0;          ///< true class
  int predicted = 0;      ///< argmax class
  double confidence = 0;  ///< softmax probability of `predicted`, in [0, 1]
  bool misclassified() const { return label != predicted; }
};

/// Which samples the Samples panel lists. -1 = any class.
struct SampleFilter {
  int trueClass = -1;
  int predictedClass = -1;
  bool misclassifiedOnly = false;
  double minConfidence = 0;  ///< inclusive, [0, 1]
  double maxConfidence = 1;  ///< inclusive, [0, 1]
};

/// Whether `p` passes `filter`.
bool matchesFilter(const SamplePrediction& p, const SampleFilter& filter);
/// Positions (into `predictions`) of the samples that pass, in order.
std::vector<int> filterSamples(const std::vector<SamplePrediction>& predictions,
                               const SampleFilter& filter);

/// What a load produced: the model's test set, its predictions and where the weights came from.
/// `data` is shared read-only between the worker and the GUI thread.
struct InspectModelInfo {
  std::shared_ptr<const loom::Dataset> data;  ///< the test split (U8 images [N, C, H, W])
  std::vector<SamplePrediction> predictions;  ///< one per listed sample (test_limit applied)
  QStringList classNames;
  QString weights;   ///< "checkpoint …/last.ckpt", "the model's own parameters", …
  QString convNode;  ///< Grad-CAM's node ("" when the model has no Conv2D)
  int channels = 1, height = 0, width = 0;
};

/// One attribution map as the view shows it.
struct AttributionMap {
  QString method;   ///< registry name ("ig")
  QString title;    ///< "Integrated Gradients"
  int sample = -1;  ///< test index
  int target = -1;  ///< the class explained
  int height = 0, width = 0;
  std::vector<double> saliency;  ///< height * width, channels summed (pixelSaliency)
  double score = std::numeric_limits<double>::quiet_NaN();  ///< f(x) of the target
  std::map<std::string, double> metrics;  ///< deletion_auc, insertion_auc, completeness_gap, r2
  QString error;  ///< non-empty: the method refused (the engine's message); no map
  double metric(const std::string& name) const {
    auto it = metrics.find(name);
    return it == metrics.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  }
};

/// The display image of test sample `index` of `data` (U8 [N, C, H, W]) as a QImage
/// (Grayscale8 or RGB888), a deep copy.
QImage sampleImage(const loom::Dataset& data, int index);

}  // namespace loom::studio
