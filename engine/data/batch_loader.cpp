#include "engine/data/batch_loader.h"

#include <algorithm>

#include "engine/core/exception_boundary.h"

namespace loom {

Expected<std::unique_ptr<BatchLoader>> BatchLoader::create(const Dataset& dataset,
                                                           std::vector<std::int64_t> indices,
                                                           BatchLoaderOptions options) {
  LOOM_RETURN_IF_ERROR(validateTransforms(dataset, options.normalization, options.augmentation));
  if (options.batchSize <= 0)
    return invalidArgument("batch size must be positive, got " + std::to_string(options.batchSize));
  if (options.prefetch < 1)
    return invalidArgument("prefetch must be >= 1, got " + std::to_string(options.prefetch));
  if (indices.empty())
    return invalidArgument("the loader for \"" + dataset.source + "\" got no sample indices");
  const std::int64_t n = dataset.size();
  for (std::int64_t i : indices)
    if (i < 0 || i >= n)
      return invalidArgument("sample index " + std::to_string(i) + " is outside [0, " +
                             std::to_string(n) + ") of \"" + dataset.source + "\"");
  if (options.shardCount < 1 || options.shardRank < 0 || options.shardRank >= options.shardCount)
    return invalidArgument("shard " + std::to_string(options.shardRank) + " of " +
                           std::to_string(options.shardCount) + " is not a valid shard");
  if (options.shardCount > 1 && !options.dropLast)
    return invalidArgument("a sharded loader must drop the last partial step (training only)");
  if (options.dropLast && static_cast<std::int64_t>(indices.size()) < options.batchSize)
    return invalidArgument("batch size " + std::to_string(options.batchSize) +
                           " is larger than the " + std::to_string(indices.size()) +
                           " samples; dropping the last partial batch would leave no batch");
  std::unique_ptr<BatchLoader> loader(
      new BatchLoader(dataset, std::move(indices), std::move(options)));
  loader->m_worker = std::thread([raw = loader.get()] { raw->run(); });
  return loader;
}

BatchLoader::BatchLoader(const Dataset& dataset, std::vector<std::int64_t> indices,
                         BatchLoaderOptions options)
    : m_dataset(dataset),
      m_indices(std::move(indices)),
      m_options(std::move(options)),
      m_transform(dataset, m_options.normalization, m_options.augmentation) {}

BatchLoader::~BatchLoader() {
  stop();
  if (m_worker.joinable()) m_worker.join();
}

std::int64_t BatchLoader::stepsPerEpoch() const {
  const std::int64_t n = samples(), b = m_options.batchSize;
  return m_options.dropLast ? n / (b * m_options.shardCount) : (n + b - 1) / b;
}

Status BatchLoader::startEpoch(std::int64_t epoch, std::int64_t firstStep) {
  if (epoch < 0) return invalidArgument("epoch must be >= 0, got " + std::to_string(epoch));
  const std::int64_t steps = stepsPerEpoch();
  if (firstStep < 0 || firstStep > steps)
    return invalidArgument("first step " + std::to_string(firstStep) + " is outside [0, " +
                           std::to_string(steps) + "] (steps per epoch)");
  {
    std::lock_guard lock(m_mutex);
    ++m_generation;
    m_queue.clear();
    m_epoch = epoch;
    m_nextToBuild = m_nextToDeliver = firstStep;
    m_endStep = steps;
  }
  m_wake.notify_all();
  m_ready.notify_all();
  return Status::ok();
}

std::optional<Batch> BatchLoader::next() {
  std::unique_lock lock(m_mutex);
  m_ready.wait(lock, [&] { return m_stop || !m_queue.empty() || m_nextToDeliver >= m_endStep; });
  if (m_stop || m_queue.empty()) return std::nullopt;
  Batch batch = std::move(m_queue.front());
  m_queue.pop_front();
  ++m_nextToDeliver;
  lock.unlock();
  m_wake.notify_all();
  return batch;
}

void BatchLoader::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    m_queue.clear();
  }
  m_wake.notify_all();
  m_ready.notify_all();
}

Status BatchLoader::failure() const {
  std::lock_guard lock(m_mutex);
  return m_failure;
}

void BatchLoader::run() {
  std::vector<std::int64_t> order;
  std::int64_t orderEpoch = -1;
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [&] {
      return m_stop ||
             (m_nextToBuild < m_endStep && static_cast<int>(m_queue.size()) < m_options.prefetch);
    });
    if (m_stop) return;
    const std::uint64_t generation = m_generation;
    const std::int64_t epoch = m_epoch;
    const std::int64_t step = m_nextToBuild++;
    lock.unlock();
    Batch batch;
    const Status built = guarded(
        "building batch " + std::to_string(step + 1) + " of epoch " + std::to_string(epoch + 1),
        [&] {
          if (epoch != orderEpoch) {
            order = epochOrder(epoch);
            orderEpoch = epoch;
          }
          batch = build(order, epoch, step);
          return Status::ok();
        });
    lock.lock();
    if (!built.isOk()) {
      m_failure = built;
      m_stop = true;
      m_queue.clear();
      m_ready.notify_all();
      return;
    }
    if (generation == m_generation && !m_stop) {
      m_queue.push_back(std::move(batch));
      m_ready.notify_all();
    }
  }
}

std::vector<std::int64_t> BatchLoader::epochOrder(std::int64_t epoch) const {
  if (!m_options.shuffle) return m_indices;
  const auto perm = epochPermutation(samples(), m_options.seed, epoch);
  std::vector<std::int64_t> order(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    order[i] = m_indices[static_cast<std::size_t>(perm[i])];
  return order;
}

Batch BatchLoader::makeBatch(std::int64_t epoch, std::int64_t step) const {
  return build(epochOrder(epoch), epoch, step);
}

Batch BatchLoader::build(const std::vector<std::int64_t>& order, std::int64_t epoch,
                         std::int64_t step) const {
  const std::int64_t first =
      (step * m_options.shardCount + m_options.shardRank) * m_options.batchSize;
  const std::int64_t count =
      std::max<std::int64_t>(0, std::min(m_options.batchSize, samples() - first));
  Dims dims = m_dataset.images.dims();
  dims[0] = count;
  Batch batch;
  batch.x = Tensor(dims);
  batch.y = Tensor({count}, DType::I64);
  batch.epoch = epoch;
  batch.step = step;
  const std::int64_t elements = m_dataset.sampleElements();
  const std::int64_t* labels = m_dataset.labels.data<std::int64_t>();
  for (std::int64_t b = 0; b < count; ++b) {
    const std::int64_t index = order[static_cast<std::size_t>(first + b)];
    m_transform.apply(index, m_options.seed, epoch, m_options.augmentation.active(),
                      batch.x.f32() + b * elements);
    batch.y.data<std::int64_t>()[b] = labels[index];
  }
  return batch;
}

}  // namespace loom
