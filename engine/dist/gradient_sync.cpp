#include "engine/dist/gradient_sync.h"

#include <algorithm>
#include <cstddef>
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

/// A bucket plan with, per trainable parameter, where it lies in the concatenation and which
/// buckets it touches: what overlap needs to know which buckets a node's gradients complete.
struct BucketLayout {
  std::int64_t totalFloats = -1;  ///< -1: not planned yet
  std::vector<GradientBucket> buckets;
  std::vector<int> firstBucket, lastBucket;  ///< per parameter; -1: not averaged
  std::vector<int> paramsInBucket;           ///< per bucket: how many parameters touch it
};

std::int64_t trainableFloats(const std::vector<Parameter>& params) {
  std::int64_t total = 0;
  for (const Parameter& p : params)
    if (p.trainable) total += p.grad.numel();
  return total;
}

Expected<BucketLayout> layBuckets(const std::vector<Parameter>& params, std::int64_t bucketBytes) {
  BucketLayout l;
  l.totalFloats = trainableFloats(params);
  LOOM_ASSIGN_OR_RETURN(l.buckets, planGradientBuckets(l.totalFloats, bucketBytes));
  const std::int64_t per = bucketBytes / static_cast<std::int64_t>(sizeof(float));
  l.paramsInBucket.assign(l.buckets.size(), 0);
  std::int64_t offset = 0;
  for (const Parameter& p : params) {
    const std::int64_t n = p.trainable ? p.grad.numel() : 0;
    l.firstBucket.push_back(n > 0 ? static_cast<int>(offset / per) : -1);
    l.lastBucket.push_back(n > 0 ? static_cast<int>((offset + n - 1) / per) : -1);
    for (int b = l.firstBucket.back(); b >= 0 && b <= l.lastBucket.back(); ++b)
      ++l.paramsInBucket[static_cast<size_t>(b)];
    offset += n;
  }
  return l;
}

class BucketedGradientSync final : public GradientSync {
 public:
  using Clock = std::chrono::steady_clock;
  BucketedGradientSync(std::shared_ptr<Communicator> comm, std::int64_t bucketBytes)
      : m_comm(std::move(comm)), m_bucketBytes(bucketBytes) {}
  int rank() const override { return m_comm->rank(); }
  int size() const override { return m_comm->size(); }

  Status allreduceMean(std::vector<Parameter>& params) override {
    LOOM_RETURN_IF_ERROR(plan(params));
    m_timings.clear();
    for (size_t i = 0; i < m_layout.buckets.size(); ++i) {
      const GradientBucket b = m_layout.buckets[i];
      copyBucket(params, b, m_staging.data(), true);
      const auto start = Clock::now();
      LOOM_RETURN_IF_ERROR(m_comm->allreduce(
          std::span<float>(m_staging.data(), static_cast<size_t>(b.count)), ReduceOp::Average));
      m_timings.push_back({static_cast<int>(i), start, Clock::now()});
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

  Status beginOverlap(std::vector<Parameter>& params) override {
    LOOM_RETURN_IF_ERROR(plan(params));
    m_overlapStaging.resize(static_cast<size_t>(m_layout.totalFloats));
    m_waitingParams = m_layout.paramsInBucket;
    m_final.assign(params.size(), false);
    m_requests.assign(m_layout.buckets.size(), AllreduceRequest{});
    m_nextToStart = static_cast<int>(m_layout.buckets.size()) - 1;
    m_inFlight.clear();
    m_timings.clear();
    return Status::ok();
  }

  Status gradientsReady(std::vector<Parameter>& params, size_t first, size_t count) override {
    for (size_t i = first; i < first + count && i < m_final.size(); ++i) markFinal(i);
    LOOM_RETURN_IF_ERROR(startCompleteBuckets(params));
    return poll();
  }

  Status finishOverlap(std::vector<Parameter>& params) override {
    for (size_t i = 0; i < m_final.size(); ++i) markFinal(i);
    LOOM_RETURN_IF_ERROR(startCompleteBuckets(params));
    for (const size_t k : m_inFlight) {  // in start order, as every rank
      const int b = m_timings[k].bucket;
      LOOM_RETURN_IF_ERROR(m_comm->waitAllreduce(m_requests[static_cast<size_t>(b)]));
      m_timings[k].end = Clock::now();
    }
    m_inFlight.clear();
    for (const GradientBucket& b : m_layout.buckets)
      copyBucket(params, b, m_overlapStaging.data() + b.first, false);
    return Status::ok();
  }

  const std::vector<BucketTiming>& bucketTimings() const override { return m_timings; }

 private:
  /// Plans the buckets once per parameter set (sizes never change during a run).
  Status plan(const std::vector<Parameter>& params) {
    if (m_layout.totalFloats == trainableFloats(params) &&
        m_layout.firstBucket.size() == params.size())
      return Status::ok();
    LOOM_ASSIGN_OR_RETURN(m_layout, layBuckets(params, m_bucketBytes));
    std::int64_t largest = 0;
    for (const GradientBucket& b : m_layout.buckets) largest = std::max(largest, b.count);
    m_staging.assign(static_cast<size_t>(largest), 0.0f);
    return Status::ok();
  }

  void markFinal(size_t i) {
    if (m_final[i]) return;
    m_final[i] = true;
    for (int b = m_layout.firstBucket[i]; b >= 0 && b <= m_layout.lastBucket[i]; ++b)
      --m_waitingParams[static_cast<size_t>(b)];
  }

  /// Starts buckets from the last one down while the next in that order is complete: the
  /// order is fixed, so a complete bucket waits for a later incomplete one.
  Status startCompleteBuckets(std::vector<Parameter>& params) {
    while (m_nextToStart >= 0 && m_waitingParams[static_cast<size_t>(m_nextToStart)] == 0) {
      const GradientBucket b = m_layout.buckets[static_cast<size_t>(m_nextToStart)];
      float* staging = m_overlapStaging.data() + b.first;
      copyBucket(params, b, staging, true);
      const auto start = Clock::now();
      LOOM_ASSIGN_OR_RETURN(
          m_requests[static_cast<size_t>(m_nextToStart)],
          m_comm->startAllreduce(std::span<float>(staging, static_cast<size_t>(b.count)),
                                 ReduceOp::Average));
      m_inFlight.push_back(m_timings.size());
      m_timings.push_back({m_nextToStart, start, start});
      --m_nextToStart;
    }
    return Status::ok();
  }

  /// Tests the buckets in flight in start order up to the first one still running, noting
  /// when each completed. One test advances every request (MPI progresses them all in any
  /// MPI call), so testing the later ones too would only repeat the transport's work.
  Status poll() {
    size_t done = 0;
    for (; done < m_inFlight.size(); ++done) {
      BucketTiming& t = m_timings[m_inFlight[done]];
      LOOM_ASSIGN_OR_RETURN(const bool complete,
                            m_comm->testAllreduce(m_requests[static_cast<size_t>(t.bucket)]));
      if (!complete) break;
      t.end = Clock::now();
    }
    m_inFlight.erase(m_inFlight.begin(), m_inFlight.begin() + static_cast<std::ptrdiff_t>(done));
    return Status::ok();
  }

  std::shared_ptr<Communicator> m_comm;
  std::int64_t m_bucketBytes;
  BucketLayout m_layout;
  std::vector<float> m_staging;  ///< allreduceMean(): one bucket at a time
  // Overlap: the state of one backward.
  std::vector<float> m_overlapStaging;       ///< every bucket at its offset (several in flight)
  std::vector<int> m_waitingParams;          ///< per bucket: parameters not final yet
  std::vector<bool> m_final;                 ///< per parameter
  std::vector<AllreduceRequest> m_requests;  ///< per bucket
  int m_nextToStart = -1;                    ///< the next bucket to start (descending)
  std::vector<size_t> m_inFlight;            ///< indices into m_timings, in start order
  std::vector<BucketTiming> m_timings;
};
}  // namespace

Status GradientSync::beginOverlap(std::vector<Parameter>&) {
  return Status::ok();
}

Status GradientSync::gradientsReady(std::vector<Parameter>&, size_t, size_t) {
  return Status::ok();
}

Status GradientSync::finishOverlap(std::vector<Parameter>& params) {
  return allreduceMean(params);
}

const std::vector<BucketTiming>& GradientSync::bucketTimings() const {
  static const std::vector<BucketTiming> none;
  return none;
}

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
