#include "widgets/modes/train/train_session.h"

#include <QMetaObject>
#include <QPointer>
#include <chrono>
#include <utility>

#include "engine/train/trainer.h"

namespace loom::studio {

namespace {
using Clock = std::chrono::steady_clock;

std::int64_t msSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}
}  // namespace

TrainSession::TrainSession(QObject* parent) : QObject(parent) {
  qRegisterMetaType<loom::TrainProgress>();
  qRegisterMetaType<loom::EpochMetrics>();
  qRegisterMetaType<loom::TrainStatus>();
  qRegisterMetaType<loom::studio::NodeStatsMap>();
}

TrainSession::~TrainSession() {
  stopAndWait();
}

template <class F>
void TrainSession::post(F&& f) {
  QMetaObject::invokeMethod(this, std::forward<F>(f), Qt::QueuedConnection);
}

bool TrainSession::start(const Model& model, const TrainLaunch& launch, QString* error) {
  if (m_active) {
    if (error) *error = tr("A run is in progress (%1); stop it first.").arg(m_launch.runDir);
    return false;
  }
  join();  // the previous worker has posted finished(); reap its thread
  m_launch = launch;
  m_active = true;
  m_status = TrainStatus::Ready;
  m_globalStep = 0;
  {
    std::lock_guard lock(m_mutex);
    m_pauseRequested = false;
    m_stopRequested = false;
  }
  m_worker = std::thread([this, model, launch] { work(model, launch); });
  emit started(launch.runDir);
  return true;
}

void TrainSession::pause() {
  std::lock_guard lock(m_mutex);
  m_pauseRequested = true;
  if (m_trainer) m_trainer->pause();
}

void TrainSession::resume() {
  std::lock_guard lock(m_mutex);
  m_pauseRequested = false;
  if (m_trainer) m_trainer->resume();
}

void TrainSession::stop() {
  std::lock_guard lock(m_mutex);
  m_stopRequested = true;
  if (m_trainer) m_trainer->stop();
}

void TrainSession::stopAndWait() {
  stop();
  join();
}

void TrainSession::join() {
  if (m_worker.joinable()) m_worker.join();
}

void TrainSession::work(Model model, TrainLaunch launch) {
  TrainOptions options;
  options.runDir = launch.runDir.toStdString();
  options.resume = launch.resume;
  options.maxSteps = launch.maxSteps;
  options.checkpointEverySteps = launch.checkpointEverySteps;
  options.evaluateTest = launch.evaluateTest;

  // Engine callbacks run on this thread; each hands a copy to the GUI thread.
  auto lastProgress = std::make_shared<Clock::time_point>(Clock::time_point{});
  const int progressMs = m_progressIntervalMs;
  options.onProgress = [this, lastProgress, progressMs](const TrainProgress& p) {
    const bool lastOfPhase = p.step == p.steps;
    if (!lastOfPhase && msSince(*lastProgress) < progressMs) return;
    *lastProgress = Clock::now();
    post([this, p] {
      if (p.phase == TrainProgress::Phase::Train) m_globalStep = p.globalStep;
      emit progress(p);
    });
  };
  options.onEpoch = [this](const EpochMetrics& m) { post([this, m] { emit epochEnded(m); }); };
  options.onMessage = [this](const std::string& text) {
    post([this, t = QString::fromStdString(text)] { emit message(t); });
  };
  options.onStatus = [this](TrainStatus s, const std::string& detail) {
    post([this, s, d = QString::fromStdString(detail)] {
      m_status = s;
      emit statusChanged(s, d);
    });
  };

  auto created = Trainer::create(model, std::move(options));
  if (!created) {
    const QString error = QString::fromStdString(created.status().message());
    post([this, error] {
      m_status = TrainStatus::Failed;
      m_active = false;
      emit statusChanged(TrainStatus::Failed, error);
      emit finished(TrainStatus::Failed, error);
    });
    return;
  }
  std::unique_ptr<Trainer> trainer = std::move(*created);
  {
    std::lock_guard lock(m_mutex);
    m_trainer = trainer.get();
    if (m_pauseRequested) trainer->pause();
    if (m_stopRequested) trainer->stop();
  }

  Status result = Status::ok();
  auto lastTap = Clock::time_point{};
  const int statsMs = m_statsIntervalMs;
  while (!trainer->done()) {
    const bool tapThis = statsMs >= 0 && msSince(lastTap) >= statsMs;
    NodeStatsMap stats;
    if (tapThis) {
      trainer->setTap([&stats](const std::string& node, const Tensor& value, bool isGradient) {
        summarizeTensor(value, isGradient, stats[QString::fromStdString(node)]);
      });
    }
    result = trainer->step();
    if (tapThis) {
      trainer->setTap({});
      lastTap = Clock::now();
      const std::int64_t step = trainer->position().globalStep;
      post([this, step, stats = std::move(stats)] { emit nodeStats(step, stats); });
    }
    if (!result.isOk()) break;
  }
  QString detail;
  if (result.isOk()) {
    auto finishedRun = trainer->finish();
    if (!finishedRun) detail = QString::fromStdString(finishedRun.status().message());
  } else {
    detail = QString::fromStdString(result.message());
  }
  const TrainStatus final = trainer->status();
  if (detail.isEmpty() && final == TrainStatus::Stopped)
    detail = QString::fromStdString(trainer->checkpointPath());
  {
    std::lock_guard lock(m_mutex);
    m_trainer = nullptr;
  }
  trainer.reset();
  post([this, final, detail] {
    m_status = final;
    m_active = false;
    emit finished(final, detail);
  });
}

}  // namespace loom::studio
