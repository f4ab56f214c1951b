// ExportRunner: runs one ONNX export (loom::runExportJob, engine/interop/export_job.h, the same
// code as `loom export`) on a worker thread, with progress and cancel, for the Export mode.
//
// start() copies the model and returns at once; the job runs in backgroundPool()
// (widgets/shell/background.h). A model whose thread setting is 0 (every core) exports with one
// core fewer, so the GUI thread always has one (the file is the same: parameters do not depend on
// threads; only the parity numbers may differ in the last bits from a run on every core). Progress
// arrives on the GUI thread as progress() (at most every ~30 ms and at every stage change, so a
// parity check at batch 1 cannot flood the event loop) and the end as finished() exactly once per
// start(). cancel() asks the job to stop at its next step (within one parity batch); it then
// finishes with ok = false and a Cancelled status, and removes the file it wrote. Destroying the
// runner while a job runs cancels it and waits for it.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>

#include "engine/core/status.h"
#include "engine/graph/model.h"
#include "engine/interop/export_job.h"

namespace loom::studio {

class ExportRunner : public QObject {
  Q_OBJECT

 public:
  explicit ExportRunner(QObject* parent = nullptr);
  ~ExportRunner() override;

  /// Starts exporting `model` (named `source` in messages) with `options`. False, doing nothing,
  /// while another export runs.
  bool start(const Model& model, const QString& source, const ExportJobOptions& options);
  /// Asks the running export to stop (no effect when none runs).
  void cancel();
  bool isRunning() const { return m_running; }
  /// The last finished job's report (valid after finished(true, ...)).
  const ExportJobReport& report() const { return m_report; }
  /// The last finished job's error (after finished(false, ...)); Cancelled after cancel().
  const Status& error() const { return m_error; }

 signals:
  /// `done` of `total` units (export_job.h, ExportProgress) and one line on what runs now.
  void progress(qint64 done, qint64 total, const QString& message);
  /// The job ended: ok with report(), or not with error() (message also in `message`).
  void finished(bool ok, const QString& message);

 private:
  struct Shared;  // the cancel flag and the throttle, shared with the worker
  std::shared_ptr<Shared> m_shared;
  QFutureWatcher<Expected<ExportJobReport>>* m_watcher;
  ExportJobReport m_report;
  Status m_error;
  bool m_running = false;
};

}  // namespace loom::studio
