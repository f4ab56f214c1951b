// Sample transforms: normalisation, seeded shuffling, train/validation splits and
// augmentation. Everything random here is a pure function of its key (core/rng.h):
//  * the sample order of an epoch depends only on (seed, epoch),
//  * the augmentation of a sample only on (seed, epoch, dataset index of the sample),
//  * a train/validation split only on (seed, fraction, N).
// So a resumed run rebuilds exactly the same batches without any saved stream state.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/status.h"
#include "engine/data/dataset.h"

namespace loom {

/// Per-channel (images) or per-feature (rows) affine normalisation.
///  * U8 images:  dst = (src / 255 - mean[c]) / std[c]
///  * F32 data:   dst = (src - mean[c]) / std[c]
/// `mean` and `std` hold one value (broadcast) or one per channel/feature. Empty = identity
/// (U8 images are still divided by 255).
struct Normalization {
  std::vector<double> mean;
  std::vector<double> std;

  /// The same mean and std for every channel.
  static Normalization uniform(double mean, double std) { return {{mean}, {std}}; }
  /// Fashion-MNIST train statistics (FORMATS.md §3): mean 0.2860, std 0.3530.
  static Normalization fashionMnist() { return uniform(0.2860, 0.3530); }
};

/// Per-feature mean and (population) standard deviation over the samples `indices` of an
/// F32 [N, F] dataset: standardises features to mean 0, std 1 (constant features keep std 1).
/// Compute it on the training split only, and reuse it for validation and test.
Expected<Normalization> featureStandardization(const Dataset& dataset,
                                               const std::vector<std::int64_t>& indices);

/// Image augmentation applied by the training loader (rank-4 samples only).
struct Augmentation {
  /// Pads each side by this many pixels with black (pixel value 0 before normalisation,
  /// as torchvision's RandomCrop(padding=p) before Normalize) and crops back to H x W at a
  /// random offset. 0 = off.
  int cropPadding = 0;
  /// Mirrors left-right with probability 1/2.
  bool horizontalFlip = false;

  bool active() const { return cropPadding > 0 || horizontalFlip; }
};

/// Checks that `norm` and `aug` fit the dataset's samples (channel/feature counts, rank).
Status validateTransforms(const Dataset& dataset, const Normalization& norm,
                          const Augmentation& aug);

/// A permutation of [0, n) for (seed, epoch): Fisher-Yates driven by
/// Philox(rngKey(seed, {Shuffle, epoch})).
std::vector<std::int64_t> epochPermutation(std::int64_t n, std::uint64_t seed, std::int64_t epoch);

struct TrainValidationSplit {
  std::vector<std::int64_t> train;       ///< ascending dataset indices
  std::vector<std::int64_t> validation;  ///< ascending dataset indices
};

/// Holds out round(n * fraction) samples, chosen by a permutation keyed by (seed, Split).
/// `fraction` in [0, 1); both lists come back sorted. InvalidArgument otherwise, or when
/// nothing would remain for training.
Expected<TrainValidationSplit> splitTrainValidation(std::int64_t n, double fraction,
                                                    std::uint64_t seed);

/// Writes sample `index` of `dataset`, normalised and (when `aug.active()`) augmented with
/// the stream keyed by (seed, epoch, index), to `dst` (sampleElements() floats).
/// Precondition: validateTransforms() passed.
class SampleTransform {
 public:
  SampleTransform(const Dataset& dataset, Normalization norm, Augmentation aug);
  void apply(std::int64_t index, std::uint64_t seed, std::int64_t epoch, bool augment,
             float* dst) const;

 private:
  void normalize(std::int64_t index, float* dst) const;
  Dataset m_dataset;
  Augmentation m_aug;
  std::int64_t m_channels = 1, m_height = 1, m_width = 1;  // [F] rows: channels = F
  std::vector<float> m_mean, m_std;                        // per channel (F32 samples)
  std::vector<float> m_lut;  // U8 images: per channel 256 normalised values
};

}  // namespace loom
