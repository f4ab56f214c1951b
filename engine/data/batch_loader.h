// BatchLoader: turns a Dataset and a list of sample indices into training or evaluation
// batches, prepared ahead of time on one background thread.
//
// Determinism. Batch `step` of `epoch` is a pure function of (dataset, indices, options,
// epoch, step): the sample order comes from epochPermutation(indices.size(), seed, epoch)
// and each sample's augmentation from (seed, epoch, dataset index). A run resumed with
// startEpoch(epoch, step) therefore yields exactly the batches the uninterrupted run
// would have produced, with no saved stream state.
//
// Threads. The loader owns ONE std::thread that gathers, normalises and augments batches
// into a bounded queue (`prefetch` batches), so the compute threads (OpenMP, owned by
// oneDNN) never wait for data and nothing else competes with them. The thread does not use
// OpenMP. The destructor stops and joins it; a consumer that stops early never deadlocks.
//
// Partial batches. Training (dropLast = true) drops the last partial batch: execution plans
// are compiled per input shape, so a smaller final batch would compile (and keep) a second
// plan for one step per epoch, and its gradient would be noisier than the others.
// Evaluation (dropLast = false) keeps it so every sample is scored exactly once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"
#include "engine/data/dataset.h"
#include "engine/data/transforms.h"

namespace loom {

struct Batch {
  Tensor x;  ///< F32 [B, C, H, W] or [B, F], Plain, normalised (and augmented)
  Tensor y;  ///< I64 [B] class indices
  std::int64_t epoch = 0;
  std::int64_t step = 0;  ///< index of this batch within its epoch
};

struct BatchLoaderOptions {
  std::int64_t batchSize = 128;
  bool shuffle = true;     ///< per-epoch permutation from (seed, epoch); false: index order
  bool dropLast = true;    ///< drop the final partial batch (training); false for evaluation
  std::uint64_t seed = 0;  ///< the run seed (shuffling and augmentation keys)
  Normalization normalization;
  Augmentation augmentation;  ///< applied only when active()
  int prefetch = 4;           ///< batches prepared ahead (queue bound), >= 1
  /// Data-parallel sharding (training only, dropLast): of each epoch's order, consecutive
  /// groups of shardCount * batchSize samples make one global step, and this loader yields
  /// the shardRank-th batchSize of each group. So N shards of batch B together see exactly
  /// the samples one loader of batch N * B sees, step by step (docs/distributed.md).
  int shardRank = 0;
  int shardCount = 1;
};

class BatchLoader {
 public:
  /// Validates the dataset, indices (each in [0, N)), batch size and transforms, then
  /// starts the worker thread (idle until startEpoch). InvalidArgument names the bad value.
  static Expected<std::unique_ptr<BatchLoader>> create(const Dataset& dataset,
                                                       std::vector<std::int64_t> indices,
                                                       BatchLoaderOptions options);
  /// Stops the worker and joins it; batches still queued are discarded.
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  /// Batches per epoch: floor(samples / batchSize) with dropLast, else the ceiling.
  std::int64_t stepsPerEpoch() const;
  std::int64_t samples() const { return static_cast<std::int64_t>(m_indices.size()); }
  const BatchLoaderOptions& options() const { return m_options; }

  /// Starts (or restarts) producing batches firstStep.. of `epoch`. Anything queued from
  /// a previous epoch is discarded. InvalidArgument if firstStep is outside
  /// [0, stepsPerEpoch()] or epoch < 0.
  Status startEpoch(std::int64_t epoch, std::int64_t firstStep = 0);

  /// The next batch of the current epoch, in step order; blocks while it is being prepared.
  /// std::nullopt once the epoch is exhausted (or before any startEpoch, or after stop()).
  std::optional<Batch> next();

  /// Stops the worker early; next() returns std::nullopt from now on. Idempotent.
  void stop();

  /// Why the worker stopped on its own: OK unless building a batch threw (an allocation
  /// failed, say). Then next() returns std::nullopt and this names the epoch and step; a
  /// caller that gets std::nullopt before the epoch's end returns this.
  Status failure() const;

  /// Builds batch `step` of `epoch` on the calling thread (same bytes as next() would give).
  Batch makeBatch(std::int64_t epoch, std::int64_t step) const;

 private:
  BatchLoader(const Dataset& dataset, std::vector<std::int64_t> indices,
              BatchLoaderOptions options);
  void run();
  // Sample order (dataset indices) of `epoch`.
  std::vector<std::int64_t> epochOrder(std::int64_t epoch) const;
  Batch build(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t step) const;

  Dataset m_dataset;
  std::vector<std::int64_t> m_indices;
  BatchLoaderOptions m_options;
  SampleTransform m_transform;

  mutable std::mutex m_mutex;
  std::condition_variable m_wake;   // worker: work to do or stop
  std::condition_variable m_ready;  // consumer: a batch is queued or the epoch ended
  std::deque<Batch> m_queue;
  std::uint64_t m_generation = 0;  // bumped by startEpoch; stale batches are dropped
  std::int64_t m_epoch = 0;
  std::int64_t m_nextToBuild = 0;    // next step the worker will build
  std::int64_t m_nextToDeliver = 0;  // next step next() will return
  std::int64_t m_endStep = 0;        // one past the last step of the current epoch
  bool m_stop = false;
  Status m_failure;  // set by the worker when building a batch threw
  std::thread m_worker;
};

}  // namespace loom
