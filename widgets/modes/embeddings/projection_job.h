// ProjectionJob: runs one PCA / t-SNE / UMAP (engine/embed/trajectory.h's project()) on a worker
// thread and streams what the engine reports back to the GUI thread: progress, intermediate
// layouts (EmbedControl::onLayout, every `layoutEvery` iterations) and the result, each already
// normalised to the view's world coordinates (normalizeLayouts) so the GUI thread only swaps a
// pointer. Layouts are coalesced: while the GUI has not taken the last one, a newer one replaces
// it, so a slow view never queues up frames.
//
// One run at a time; start() while running is refused (false). cancel() asks the engine to stop
// (it returns Cancelled at its next check, within one iteration); the destructor cancels and
// joins, so the job may be deleted at any time.
#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/core/tensor.h"
#include "engine/embed/trajectory.h"

namespace loom::studio {

class ProjectionJob : public QObject {
  Q_OBJECT

 public:
  using Positions = std::shared_ptr<const std::vector<float>>;
  explicit ProjectionJob(QObject* parent = nullptr);
  ~ProjectionJob() override;

  /// Projects `points` (F32 [N, D], shared, not copied) with `options`. False when a run is
  /// active.
  bool start(const Tensor& points, const embed::ProjectionOptions& options);
  void cancel();
  bool running() const { return m_running; }

 signals:
  /// `done` of `total` units of engine stage `stage`; `value` is the KL estimate for t-SNE. At
  /// most one report per 100 ms within a stage, plus the first and the last of each stage.
  void progress(const QString& stage, qint64 done, qint64 total, double value);
  /// An intermediate layout (world coordinates, N x 3) at `iteration`.
  void layout(qint64 iteration, loom::studio::ProjectionJob::Positions positions);
  /// The run ended: `ok` with the final layout, or the engine's message (Cancelled too).
  void finished(bool ok, const QString& message, loom::studio::ProjectionJob::Positions positions);

 private:
  void join();
  void postLayout(qint64 iteration, Positions positions);

  std::thread m_thread;
  std::atomic<bool> m_cancel{false};
  bool m_running = false;
  std::mutex m_mutex;   // guards the two below
  Positions m_pending;  // the newest layout not yet taken by the GUI thread
  qint64 m_pendingIteration = 0;
};

}  // namespace loom::studio
