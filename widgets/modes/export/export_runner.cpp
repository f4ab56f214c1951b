#include "widgets/modes/export/export_runner.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent>
#include <algorithm>

#include "engine/core/exception_boundary.h"
#include "engine/core/threads.h"
#include "widgets/shell/background.h"

namespace loom::studio {

struct ExportRunner::Shared {
  std::atomic<bool> cancel{false};
  QElapsedTimer sincePost;
  ExportStage lastStage = ExportStage::Preflight;
};

ExportRunner::ExportRunner(QObject* parent)
    : QObject(parent), m_watcher(new QFutureWatcher<Expected<ExportJobReport>>(this)) {
  connect(m_watcher, &QFutureWatcherBase::finished, this, [this] {
    m_running = false;
    Expected<ExportJobReport> r = m_watcher->result();
    if (r.hasValue()) {
      m_report = std::move(*r);
      m_error = Status::ok();
      emit finished(true, {});
    } else {
      m_report = {};
      m_error = r.status();
      emit finished(false, QString::fromStdString(m_error.message()));
    }
  });
}

ExportRunner::~ExportRunner() {
  if (m_shared) m_shared->cancel = true;
  m_watcher->waitForFinished();
}

bool ExportRunner::start(const Model& model, const QString& source,
                         const ExportJobOptions& options) {
  if (m_running) return false;
  m_running = true;
  m_shared = std::make_shared<Shared>();
  m_shared->sincePost.start();
  // The worker posts progress to this object by queued invocation; QPointer drops posts that
  // arrive after the runner is gone.
  QPointer<ExportRunner> self(this);
  auto shared = m_shared;
  auto onProgress = [self, shared](const ExportProgress& p) {
    if (shared->cancel) return false;
    const bool stageChanged = p.stage != shared->lastStage;
    if (stageChanged || shared->sincePost.elapsed() >= 30 || p.done == p.total) {
      shared->lastStage = p.stage;
      shared->sincePost.restart();
      const QString message = QString::fromStdString(p.message);
      QMetaObject::invokeMethod(
          self.data(),
          [self, done = p.done, total = p.total, message] {
            if (self) emit self->progress(done, total, message);
          },
          Qt::QueuedConnection);
    }
    return !shared->cancel.load();
  };
  Model copy = model;
  if (copy.training.threads() <= 0) copy.training.set_threads(std::max(1, availableCores() - 1));
  m_watcher->setFuture(runInBackground([model = std::move(copy), source = source.toStdString(),
                                        options, onProgress]() -> Expected<ExportJobReport> {
    Expected<ExportJobReport> out = Status(ErrorCode::Internal, "export did not run");
    const Status st = guarded("exporting " + source, [&] {
      out = runExportJob(model, source, options, "Loom Studio (Export mode)", onProgress);
      return Status::ok();
    });
    if (!st) return st;
    return out;
  }));
  return true;
}

void ExportRunner::cancel() {
  if (m_running && m_shared) m_shared->cancel = true;
}

}  // namespace loom::studio
