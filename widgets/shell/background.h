// Background work for the studio: runInBackground(f) is QtConcurrent::run(f) on a thread pool
// whose threads run below the GUI thread's CPU priority.
//
// Why: opening a big model starts three workers at once (the file load, the graph analysis,
// the export pre-flight). On a 2-core machine they left the GUI thread a fraction of a core,
// and the window stalled for 200-300 ms although no GUI-thread task took that long
// (tests/widgets/large_graph_test.cpp). With the workers at nice +kBackgroundNice the kernel
// gives the GUI thread the CPU when it wakes, and the workers everything else.
//
// The priority is lowered once per pool thread, the first time it runs a task, and never
// raised again (an unprivileged process may not lower a nice value), which is why these
// tasks have their own pool instead of Qt's global one.
#pragma once

#include <QFutureWatcher>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <utility>

namespace loom::studio {

/// Nice increment of the background threads relative to the process (Linux: per thread).
inline constexpr int kBackgroundNice = 5;

/// The pool behind runInBackground() (as many threads as cores).
QThreadPool* backgroundPool();

/// Lowers the calling thread's CPU priority by kBackgroundNice, once per thread (no-op where
/// the platform has no per-thread nice value).
void lowerCurrentThreadPriority();

/// QtConcurrent::run(f) on backgroundPool(), at background priority. Returns its QFuture.
template <class F>
auto runInBackground(F&& f) {
  return QtConcurrent::run(backgroundPool(), [f = std::forward<F>(f)]() mutable {
    lowerCurrentThreadPriority();
    return f();
  });
}

/// Runs `work` as runInBackground() does, then `then(result)` on `context`'s thread (not at
/// all if `context` is destroyed first). The result is moved out of its future, not copied: a
/// copy would share a QImage's pixels with the future's and the first change would copy them.
template <class Work, class Then>
void runInBackgroundThen(QObject* context, Work work, Then then) {
  using Result = decltype(work());
  auto* watcher = new QFutureWatcher<Result>(context);
  QObject::connect(watcher, &QFutureWatcherBase::finished, context, [watcher, then]() mutable {
    watcher->deleteLater();
    then(watcher->future().takeResult());
  });
  watcher->setFuture(runInBackground(std::move(work)));
}

}  // namespace loom::studio
