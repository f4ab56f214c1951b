#include "widgets/modes/embeddings/projection_job.h"

#include <QMetaObject>
#include <chrono>

#include "widgets/modes/embeddings/embedding_set.h"

namespace loom::studio {

namespace {
constexpr int kProgressIntervalMs = 100;
}  // namespace

ProjectionJob::ProjectionJob(QObject* parent) : QObject(parent) {
  qRegisterMetaType<Positions>("loom::studio::ProjectionJob::Positions");
}

ProjectionJob::~ProjectionJob() {
  m_cancel = true;
  join();
}

void ProjectionJob::join() {
  if (m_thread.joinable()) m_thread.join();
}

void ProjectionJob::cancel() {
  m_cancel = true;
}

void ProjectionJob::postLayout(qint64 iteration, Positions positions) {
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    post = !m_pending;
    m_pending = std::move(positions);
    m_pendingIteration = iteration;
  }
  if (!post) return;  // a delivery is already queued; it will take the newest
  QMetaObject::invokeMethod(
      this,
      [this] {
        Positions p;
        qint64 it = 0;
        {
          std::lock_guard<std::mutex> lock(m_mutex);
          p = std::move(m_pending);
          it = m_pendingIteration;
          m_pending.reset();
        }
        if (p) emit layout(it, p);
      },
      Qt::QueuedConnection);
}

bool ProjectionJob::start(const Tensor& points, const embed::ProjectionOptions& options) {
  if (m_running) return false;
  join();  // the previous thread has delivered its result already
  m_cancel = false;
  m_running = true;
  const int dims = options.components;
  const std::int64_t n = points.dim(0);
  m_thread = std::thread([this, points, options, dims, n] {
    embed::EmbedControl control;
    control.cancel = &m_cancel;
    control.layoutEvery = 25;
    // Progress is thinned to one report per kProgressIntervalMs (plus every stage change and
    // stage end): t-SNE reports every iteration, and each report repaints the progress bar,
    // which under a software GL compositor (llvmpipe) costs the GUI thread milliseconds.
    auto lastPost = std::make_shared<std::chrono::steady_clock::time_point>();
    auto lastStage = std::make_shared<std::string>();
    control.onProgress = [this, lastPost, lastStage](const embed::EmbedProgress& p) {
      const auto now = std::chrono::steady_clock::now();
      if (p.stage == *lastStage && p.done < p.total &&
          now - *lastPost < std::chrono::milliseconds(kProgressIntervalMs))
        return;
      *lastPost = now;
      *lastStage = p.stage;
      const QString stage = QString::fromStdString(p.stage);
      QMetaObject::invokeMethod(
          this, [this, stage, p] { emit progress(stage, p.done, p.total, p.value); },
          Qt::QueuedConnection);
    };
    control.onLayout = [this, dims, n](std::int64_t iteration, const std::vector<float>& l) {
      auto world = normalizeLayouts({l.data()}, n, dims);
      postLayout(iteration, std::make_shared<const std::vector<float>>(std::move(world[0])));
    };
    auto result = embed::project(points, options, {}, control);
    Positions final;
    QString message;
    if (result) {
      auto world = normalizeLayouts({result->f32()}, n, dims);
      final = std::make_shared<const std::vector<float>>(std::move(world[0]));
    } else {
      message = QString::fromStdString(result.status().message());
    }
    const bool ok = bool(result);
    QMetaObject::invokeMethod(
        this,
        [this, ok, message, final] {
          m_running = false;
          emit finished(ok, message, final);
        },
        Qt::QueuedConnection);
  });
  return true;
}

}  // namespace loom::studio
