#include "engine/data/transforms.h"

#include <algorithm>
#include <cmath>

#include "engine/core/rng.h"

namespace loom {

Expected<Normalization> featureStandardization(const Dataset& dataset,
                                               const std::vector<std::int64_t>& indices) {
  const Tensor& x = dataset.images;
  if (x.dtype() != DType::F32 || x.rank() != 2)
    return invalidArgument("feature standardisation needs F32 [N, F] samples, dataset \"" +
                           dataset.source + "\" has " + dtypeName(x.dtype()) + " " +
                           dimsToString(x.dims()));
  if (indices.empty())
    return invalidArgument("feature standardisation needs at least one sample index");
  const std::int64_t n = x.dim(0), f = x.dim(1);
  std::vector<double> sum(static_cast<std::size_t>(f), 0.0), sq(static_cast<std::size_t>(f), 0.0);
  for (std::int64_t i : indices) {
    if (i < 0 || i >= n)
      return invalidArgument("sample index " + std::to_string(i) + " is outside [0, " +
                             std::to_string(n) + ")");
    const float* row = x.f32() + i * f;
    for (std::int64_t j = 0; j < f; ++j) sum[j] += row[j];
  }
  const double count = static_cast<double>(indices.size());
  Normalization norm;
  for (std::int64_t j = 0; j < f; ++j) norm.mean.push_back(sum[j] / count);
  // Two passes: numerically safer than E[x^2] - E[x]^2.
  for (std::int64_t i : indices) {
    const float* row = x.f32() + i * f;
    for (std::int64_t j = 0; j < f; ++j) {
      const double d = row[j] - norm.mean[j];
      sq[j] += d * d;
    }
  }
  for (std::int64_t j = 0; j < f; ++j) {
    const double s = std::sqrt(sq[j] / count);
    norm.std.push_back(s > 1e-12 ? s : 1.0);
  }
  return norm;
}

Status validateTransforms(const Dataset& dataset, const Normalization& norm,
                          const Augmentation& aug) {
  LOOM_RETURN_IF_ERROR(validateDataset(dataset));
  const std::int64_t channels = dataset.images.dim(1);  // C of [N,C,H,W] or F of [N,F]
  const char* what = dataset.images.rank() == 4 ? "channels" : "features";
  if (norm.mean.size() != norm.std.size())
    return invalidArgument("normalisation has " + std::to_string(norm.mean.size()) +
                           " mean values but " + std::to_string(norm.std.size()) + " std values");
  if (norm.mean.size() > 1 && static_cast<std::int64_t>(norm.mean.size()) != channels)
    return invalidArgument("normalisation has " + std::to_string(norm.mean.size()) +
                           " values but the samples have " + std::to_string(channels) + " " + what);
  for (double s : norm.std)
    if (!(s > 0) || !std::isfinite(s))
      return invalidArgument("normalisation std must be positive and finite, got " +
                             std::to_string(s));
  for (double m : norm.mean)
    if (!std::isfinite(m))
      return invalidArgument("normalisation mean must be finite, got " + std::to_string(m));
  if (aug.cropPadding < 0)
    return invalidArgument("random crop padding must be >= 0, got " +
                           std::to_string(aug.cropPadding));
  if (aug.active() && dataset.images.rank() != 4)
    return invalidArgument("augmentation (crop/flip) needs [N, C, H, W] images; dataset \"" +
                           dataset.source + "\" has " + dimsToString(dataset.images.dims()));
  return Status::ok();
}

std::vector<std::int64_t> epochPermutation(std::int64_t n, std::uint64_t seed, std::int64_t epoch) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
  for (std::int64_t i = 0; i < n; ++i) perm[i] = i;
  Philox rng(rngKey(
      seed, {static_cast<std::uint64_t>(RngPurpose::Shuffle), static_cast<std::uint64_t>(epoch)}));
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

Expected<TrainValidationSplit> splitTrainValidation(std::int64_t n, double fraction,
                                                    std::uint64_t seed) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    return invalidArgument("validation fraction must be in [0, 1), got " +
                           std::to_string(fraction));
  if (n <= 0) return invalidArgument("cannot split " + std::to_string(n) + " samples");
  const auto held = static_cast<std::int64_t>(std::llround(static_cast<double>(n) * fraction));
  if (held >= n)
    return invalidArgument("validation fraction " + std::to_string(fraction) + " of " +
                           std::to_string(n) + " samples leaves none for training");
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[i] = i;
  Philox rng(rngKey(seed, {static_cast<std::uint64_t>(RngPurpose::Split)}));
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i + 1)));
    std::swap(perm[i], perm[j]);
  }
  TrainValidationSplit split;
  split.validation.assign(perm.begin(), perm.begin() + held);
  split.train.assign(perm.begin() + held, perm.end());
  std::sort(split.validation.begin(), split.validation.end());
  std::sort(split.train.begin(), split.train.end());
  return split;
}

SampleTransform::SampleTransform(const Dataset& dataset, Normalization norm, Augmentation aug)
    : m_dataset(dataset), m_aug(aug) {
  const Tensor& x = dataset.images;
  if (x.rank() == 4) {
    m_channels = x.dim(1);
    m_height = x.dim(2);
    m_width = x.dim(3);
  } else {
    m_channels = x.dim(1);
  }
  const bool u8 = x.dtype() == DType::U8;
  for (std::int64_t c = 0; c < m_channels; ++c) {
    const std::size_t k = norm.mean.size() == 1 ? 0 : static_cast<std::size_t>(c);
    const double mean = norm.mean.empty() ? 0.0 : norm.mean[k];
    const double std = norm.std.empty() ? 1.0 : norm.std[k];
    m_mean.push_back(static_cast<float>(mean));
    m_std.push_back(static_cast<float>(std));
    if (u8)
      for (int v = 0; v < 256; ++v) m_lut.push_back(static_cast<float>((v / 255.0 - mean) / std));
  }
}

void SampleTransform::normalize(std::int64_t index, float* dst) const {
  const std::int64_t plane = m_height * m_width;
  if (m_dataset.images.dtype() == DType::U8) {
    const std::uint8_t* src = m_dataset.images.data<std::uint8_t>() + index * m_channels * plane;
    for (std::int64_t c = 0; c < m_channels; ++c) {
      const float* lut = m_lut.data() + c * 256;
      for (std::int64_t i = 0; i < plane; ++i) dst[c * plane + i] = lut[src[c * plane + i]];
    }
    return;
  }
  const float* src = m_dataset.images.f32() + index * m_channels * plane;
  for (std::int64_t c = 0; c < m_channels; ++c) {
    const float mean = m_mean[c], std = m_std[c];
    for (std::int64_t i = 0; i < plane; ++i) dst[c * plane + i] = (src[c * plane + i] - mean) / std;
  }
}

void SampleTransform::apply(std::int64_t index, std::uint64_t seed, std::int64_t epoch,
                            bool augment, float* dst) const {
  if (!augment || !m_aug.active()) {
    normalize(index, dst);
    return;
  }
  // Fixed draw order (dy, dx, flip) whatever is enabled, so turning one option on or off
  // never changes what the other one does.
  Philox rng(rngKey(seed, {static_cast<std::uint64_t>(RngPurpose::Augment),
                           static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(index)}));
  const std::int64_t pad = m_aug.cropPadding;
  const auto span = static_cast<std::uint64_t>(2 * pad + 1);
  const std::int64_t dy = static_cast<std::int64_t>(rng.below(span)) - pad;
  const std::int64_t dx = static_cast<std::int64_t>(rng.below(span)) - pad;
  const bool flip = m_aug.horizontalFlip && (rng.nextU32() & 1u) != 0;
  const std::int64_t offY = pad > 0 ? dy : 0, offX = pad > 0 ? dx : 0;

  const std::int64_t plane = m_height * m_width;
  std::vector<float> normalized(static_cast<std::size_t>(m_channels * plane));
  normalize(index, normalized.data());
  for (std::int64_t c = 0; c < m_channels; ++c) {
    // The padding is black before normalisation.
    const float padValue = m_dataset.images.dtype() == DType::U8
                               ? m_lut[static_cast<std::size_t>(c * 256)]
                               : (0.0f - m_mean[c]) / m_std[c];
    const float* src = normalized.data() + c * plane;
    float* out = dst + c * plane;
    for (std::int64_t y = 0; y < m_height; ++y) {
      const std::int64_t sy = y + offY;
      for (std::int64_t x = 0; x < m_width; ++x) {
        const std::int64_t sx = (flip ? m_width - 1 - x : x) + offX;
        const bool inside = sy >= 0 && sy < m_height && sx >= 0 && sx < m_width;
        out[y * m_width + x] = inside ? src[sy * m_width + sx] : padValue;
      }
    }
  }
}

}  // namespace loom
