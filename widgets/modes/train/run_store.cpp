#include "widgets/modes/train/run_store.h"

#include <QDir>
#include <QFileInfo>
#include <cmath>
#include <map>
#include <tuple>

#include "engine/train/event_log.h"
#include "widgets/modes/train/run_tailer.h"

namespace loom::studio {

namespace {
/// Distinguishable line colours (Tableau 10), assigned in order of arrival.
const QColor kPalette[] = {QColor(0x4e79a7), QColor(0xf28e2b), QColor(0xe15759), QColor(0x76b7b2),
                           QColor(0x59a14f), QColor(0xedc948), QColor(0xb07aa1), QColor(0xff9da7),
                           QColor(0x9c755f), QColor(0xbab0ac)};
}  // namespace

RunStore::RunStore(QObject* parent)
    : QObject(parent),
      // The trainer's own tag, so Loom runs have a best value (run.json names the same tag).
      m_bestTag(QString::fromLatin1(event_tags::kAccuracy) + QStringLiteral("validation")) {
  qRegisterMetaType<QVector<loom::studio::RunUpdate>>();
  m_thread.setObjectName(QStringLiteral("RunStoreTailer"));
  m_tailer = new RunTailer;
  m_tailer->moveToThread(&m_thread);
  connect(&m_thread, &QThread::finished, m_tailer, &QObject::deleteLater);
  connect(this, &RunStore::tailerSetDir, m_tailer, &RunTailer::setDir);
  connect(this, &RunStore::tailerPoll, m_tailer, &RunTailer::poll);
  connect(m_tailer, &RunTailer::updated, this, &RunStore::apply);
  connect(m_tailer, &RunTailer::dirProblem, this, [this](const QString& problem) {
    m_logDirProblem = problem;
    emit logDirProblemChanged(problem);
  });
  m_thread.start();
}

RunStore::~RunStore() {
  m_thread.quit();
  m_thread.wait();
}

void RunStore::setLogDir(const QString& dir) {
  m_logDir = dir.isEmpty() ? QString() : QDir(dir).absolutePath();
  // Keep the live run; drop the others.
  QVector<RunRecord> kept;
  for (const RunRecord& r : m_runs)
    if (r.live) kept.append(r);
  m_runs = kept;
  m_index.clear();
  for (int i = 0; i < m_runs.size(); ++i) m_index.insert(m_runs[i].dir, i);
  emit runsReset();
  emit tailerSetDir(m_logDir);
}

void RunStore::setPollIntervalMs(int ms) {
  m_pollMs = ms;
  QMetaObject::invokeMethod(m_tailer, [t = m_tailer, ms] { t->setIntervalMs(ms); });
}

void RunStore::pollNow() {
  emit tailerPoll();
}

QStringList RunStore::scalarTags() const {
  QSet<QString> tags;
  for (const RunRecord& r : m_runs)
    for (auto it = r.scalars.begin(); it != r.scalars.end(); ++it) tags.insert(it.key());
  QStringList list(tags.begin(), tags.end());
  list.sort();
  return list;
}

template <class Member>
static QStringList tagsOf(const QVector<RunRecord>& runs, Member member) {
  QSet<QString> tags;
  for (const RunRecord& r : runs)
    for (auto it = (r.*member).begin(); it != (r.*member).end(); ++it) tags.insert(it.key());
  QStringList list(tags.begin(), tags.end());
  list.sort();
  return list;
}

QStringList RunStore::histogramTags() const {
  return tagsOf(m_runs, &RunRecord::histograms);
}
QStringList RunStore::imageTags() const {
  return tagsOf(m_runs, &RunRecord::images);
}
QStringList RunStore::textTags() const {
  return tagsOf(m_runs, &RunRecord::texts);
}

void RunStore::setBestTag(const QString& tag, bool lowerIsBetter) {
  m_bestTag = tag;
  m_lowerIsBetter = lowerIsBetter;
  for (int i = 0; i < m_runs.size(); ++i) {
    updateBest(m_runs[i]);
    emit runChanged(i);
  }
}

QColor RunStore::nextColour() {
  return kPalette[m_runs.size() % static_cast<int>(std::size(kPalette))];
}

int RunStore::ensureRun(const QString& dir) {
  const int found = indexOf(dir);
  if (found >= 0) return found;
  RunRecord r;
  r.dir = dir;
  r.name = QFileInfo(dir).fileName();
  r.colour = nextColour();
  m_runs.append(r);
  m_index.insert(dir, m_runs.size() - 1);
  emit runAdded(m_runs.size() - 1);
  return m_runs.size() - 1;
}

void RunStore::updateBest(RunRecord& run) {
  run.best.reset();
  const auto it = run.scalars.constFind(m_bestTag);
  if (it == run.scalars.constEnd()) return;
  for (double v : it->values) {
    if (!std::isfinite(v)) continue;
    if (!run.best || (m_lowerIsBetter ? v < *run.best : v > *run.best)) run.best = v;
  }
}

/// Appends `more` to `dst`; tags whose steps (or walls) are one shared array in the store
/// and in the update (written in the same records: scalar_columns.h) get the first tag's
/// result, so they stay shared instead of each copying the shared array as it detaches.
using SharedAppends =
    std::map<std::tuple<const double*, qsizetype, const double*, qsizetype>, QVector<double>>;
static void appendShared(QVector<double>& dst, const QVector<double>& more, SharedAppends& done) {
  const auto key = std::make_tuple(dst.constData(), dst.size(), more.constData(), more.size());
  if (const auto it = done.find(key); it != done.end()) {
    dst = it->second;
    return;
  }
  dst += more;
  done.emplace(key, dst);
}

static void updateTimes(RunRecord& run, const ScalarSeries& s) {
  for (double w : s.walls) {
    if (!std::isfinite(w)) continue;
    if (!(w >= run.startWall)) run.startWall = w;  // also replaces NaN
    if (!(w <= run.lastWall)) run.lastWall = w;
  }
}

void RunStore::apply(const QVector<RunUpdate>& updates) {
  for (const RunUpdate& u : updates) {
    const int index = ensureRun(u.dir);
    RunRecord& run = m_runs[index];
    if (!u.name.isEmpty() && !run.live) run.name = u.name;
    if (u.status && !u.status->isEmpty() && !run.live) run.status = *u.status;
    if (u.model && !u.model->isEmpty()) run.model = *u.model;
    if (u.host) run.host = *u.host;
    if (u.problem) run.problem = *u.problem;
    if (u.removed) run.status = QStringLiteral("deleted");
    if (!u.hparams.isEmpty()) run.hparams = u.hparams;
    if (!u.textParams.isEmpty()) run.textParams = u.textParams;
    SharedAppends shared;
    QSet<const double*> timesSeen;  // wall times shared by several tags are scanned once
    for (auto it = u.scalars.begin(); it != u.scalars.end(); ++it) {
      ScalarSeries& series = run.scalars[it.key()];
      // A new tag takes the update's arrays as they are (implicitly shared, no copy): the
      // first poll of a big run hands over millions of points.
      if (u.replaceTags.contains(it.key()) || series.size() == 0) {
        series = it.value();
      } else {
        appendShared(series.steps, it->steps, shared);
        appendShared(series.walls, it->walls, shared);
        series.values += it->values;
      }
      if (!timesSeen.contains(it->walls.constData())) updateTimes(run, it.value());
      timesSeen.insert(it->walls.constData());
    }
    for (auto it = u.histograms.begin(); it != u.histograms.end(); ++it)
      run.histograms[it.key()] += it.value();
    for (auto it = u.images.begin(); it != u.images.end(); ++it) run.images[it.key()] += it.value();
    for (auto it = u.texts.begin(); it != u.texts.end(); ++it) run.texts[it.key()] += it.value();
    updateBest(run);
    emit runChanged(index);
    for (auto it = u.scalars.begin(); it != u.scalars.end(); ++it)
      emit scalarsChanged(index, it.key());
    if (!u.histograms.isEmpty()) emit histogramsChanged(index);
    if (!u.images.isEmpty()) emit imagesChanged(index);
    if (!u.texts.isEmpty()) emit textsChanged(index);
  }
}

int RunStore::addLiveRun(const QString& dir, const QString& model) {
  const QString abs = QDir(dir).absolutePath();
  const int index = ensureRun(abs);
  RunRecord& run = m_runs[index];
  run.live = true;
  run.model = model;
  run.status = QStringLiteral("running");
  run.problem.clear();
  emit runChanged(index);
  return index;
}

void RunStore::setLiveStatus(const QString& dir, const QString& status, const QString& problem) {
  const int index = indexOf(QDir(dir).absolutePath());
  if (index < 0) return;
  m_runs[index].status = status;
  m_runs[index].problem = problem;
  emit runChanged(index);
}

}  // namespace loom::studio
