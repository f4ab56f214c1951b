#include "engine/dist/gradient_sync.h"

#include <algorithm>
#include <cstring>

namespace loom {

namespace {
class LocalGradientSync final : public GradientSync {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status allreduceMean(std::vector<Parameter>&) override { return Status::ok(); }
  Status broadcastParameters(std::vector<Parameter>&) override { return Status::ok(); }
};

/// Copies floats [first, first + count) of the concatenated gradients into `out` (toBucket)
/// or back from it: the bucket boundaries need not fall on parameter boundaries.
void copyBucket(std::vector<Parameter>& params, GradientBucket b, float* bucket, bool toBucket) {
  std::int64_t offset = 0;  // where the current parameter starts in the concatenation
  for (Parameter& p : params) {
    if (!p.trainable || p.grad.numel() == 0) continue;
    const std::int64_t n = p.grad.numel();
    const std::int64_t lo = std::max(b.first, offset), hi = std::min(b.first + b.count, offset + n);
    if (lo < hi) {
      float* g = p.grad.f32() + (lo - offset);
      float* s = bucket + (lo - b.first);
      const auto bytes = static_cast<size_t>(hi - lo) * sizeof(float);
      if (toBucket)
        std::memcpy(s, g, bytes);
      else
        std::memcpy(g, s, bytes);
    }
    offset += n;
    if (offset >= b.first + b.count) break;
  }
}

class BucketedGradientSync final : public GradientSync {
 public:
  BucketedGradientSync(std::shared_ptr<Communicator> comm, std::int64_t bucketBytes)
      : m_comm(std::move(comm)), m_bucketBytes(bucketBytes) {}
  int rank() const override { return m_comm->rank(); }
  int size() const override { return m_comm->size(); }

  Status allreduceMean(std::vector<Parameter>& params) override {
    std::int64_t total = 0;
    for (const Parameter& p : params)
      if (p.trainable) total += p.grad.numel();
    if (total != m_plannedFloats) {  // planned once per parameter set (sizes never change)
      LOOM_ASSIGN_OR_RETURN(m_buckets, planGradientBuckets(total, m_bucketBytes));
      m_plannedFloats = total;
      std::int64_t largest = 0;
      for (const GradientBucket& b : m_buckets) largest = std::max(largest, b.count);
      m_staging.assign(static_cast<size_t>(largest), 0.0f);
    }
    for (const GradientBucket& b : m_buckets) {
      copyBucket(params, b, m_staging.data(), true);
      LOOM_RETURN_IF_ERROR(m_comm->allreduce(
          std::span<float>(m_staging.data(), static_cast<size_t>(b.count)), ReduceOp::Average));
      copyBucket(params, b, m_staging.data(), false);
    }
    return Status::ok();
  }

  Status broadcastParameters(std::vector<Parameter>& params) override {
    for (Parameter& p : params) {
      Status st = m_comm->broadcast(
          std::span<float>(p.value.f32(), static_cast<size_t>(p.value.numel())), 0);
      if (!st) return st.withContext("broadcasting parameter \"" + p.name + "\" from rank 0");
    }
    return Status::ok();
  }

 private:
  std::shared_ptr<Communicator> m_comm;
  std::int64_t m_bucketBytes;
  std::int64_t m_plannedFloats = -1;
  std::vector<GradientBucket> m_buckets;
  std::vector<float> m_staging;
};
}  // namespace

std::unique_ptr<GradientSync> makeLocalGradientSync() {
  return std::make_unique<LocalGradientSync>();
}

Expected<std::vector<GradientBucket>> planGradientBuckets(std::int64_t totalFloats,
                                                          std::int64_t bucketBytes) {
  if (bucketBytes < static_cast<std::int64_t>(sizeof(float)))
    return invalidArgument("the allreduce bucket must hold at least one float (4 bytes), got " +
                           std::to_string(bucketBytes) + " bytes");
  if (totalFloats < 0)
    return invalidArgument("negative gradient size " + std::to_string(totalFloats));
  const std::int64_t per = bucketBytes / static_cast<std::int64_t>(sizeof(float));
  std::vector<GradientBucket> buckets;
  for (std::int64_t first = 0; first < totalFloats; first += per)
    buckets.push_back({first, std::min(per, totalFloats - first)});
  return buckets;
}

std::unique_ptr<GradientSync> makeBucketedGradientSync(std::shared_ptr<Communicator> comm,
                                                       std::int64_t bucketBytes) {
  return std::make_unique<BucketedGradientSync>(std::move(comm), bucketBytes);
}

}  // namespace loom
