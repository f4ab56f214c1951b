#include "widgets/modes/train/run_tailer.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace loom::studio {

namespace {
constexpr int kMaxDepth = 3;

bool isRunDir(const QDir& dir) {
  if (dir.exists(QStringLiteral("run.json"))) return true;
  return !dir.entryList({QStringLiteral("*tfevents*")}, QDir::Files | QDir::NoDotAndDotDot)
              .isEmpty();
}

void findIn(const QString& path, int depth, QStringList& out) {
  const QDir dir(path);
  if (isRunDir(dir)) out.append(dir.absolutePath());
  if (depth >= kMaxDepth) return;
  for (const QFileInfo& sub : dir.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
    if (!sub.isSymLink()) findIn(sub.absoluteFilePath(), depth + 1, out);
}

/// run.json's epoch_metrics keys and their dashboard tags (the same names TensorBoard's
/// per-epoch summaries use: "epoch/<metric>").
const char* const kEpochKeys[] = {"train_loss",      "train_accuracy",      "validation_loss",
                                  "validation_accuracy", "learning_rate", "samples_per_second"};
}  // namespace

RunTailer::RunTailer(QObject* parent) : QObject(parent), m_timer(new QTimer(this)) {
  m_timer->setInterval(500);
  connect(m_timer, &QTimer::timeout, this, &RunTailer::poll);
}

void RunTailer::setDir(const QString& dir) {
  m_dir = dir;
  m_runJson.clear();
  m_known.clear();
  m_lastDirProblem = QStringLiteral("\x01");
  if (dir.isEmpty()) {
    m_timer->stop();
    return;
  }
  poll();
  m_timer->start();
}

void RunTailer::setIntervalMs(int ms) { m_timer->setInterval(ms); }

QStringList RunTailer::findRuns() const {
  QStringList runs;
  findIn(m_dir, 0, runs);
  return runs;
}

void RunTailer::poll() {
  if (m_dir.isEmpty()) return;
  QString problem;
  const QFileInfo info(m_dir);
  QStringList runs;
  if (!info.exists())
    problem = tr("The log directory %1 does not exist.").arg(m_dir);
  else if (!info.isDir())
    problem = tr("%1 is not a directory.").arg(m_dir);
  else if (!info.isReadable())
    problem = tr("The log directory %1 cannot be read (permission denied).").arg(m_dir);
  else {
    runs = findRuns();
    if (runs.isEmpty())
      problem = tr("No runs in %1: no directory there holds run.json or an "
                   "events.out.tfevents.* file.")
                    .arg(m_dir);
  }
  if (problem != m_lastDirProblem) {
    m_lastDirProblem = problem;
    emit dirProblem(problem);
  }
  QVector<RunUpdate> updates;
  QSet<QString> seen;
  for (const QString& run : runs) {
    seen.insert(run);
    pollRun(run, updates);
  }
  for (const QString& gone : m_known - seen) {
    RunUpdate u;
    u.dir = gone;
    u.removed = true;
    u.problem = tr("The run directory %1 was deleted; the data read before is still shown.")
                    .arg(gone);
    updates.append(u);
    m_runJson.remove(gone);
  }
  m_known = seen;
  if (!updates.isEmpty()) emit updated(updates);
}

void RunTailer::pollRun(const QString& runDir, QVector<RunUpdate>& out) {
  RunUpdate update;
  update.dir = runDir;
  update.name = QDir(m_dir).relativeFilePath(runDir);
  if (update.name == QLatin1String(".")) update.name = QFileInfo(runDir).fileName();
  bool changed = !m_known.contains(runDir);

  const QString jsonPath = runDir + QStringLiteral("/run.json");
  const QFileInfo json(jsonPath);
  if (json.exists()) {
    const FileState now{json.size(), json.lastModified()};
    const FileState& before = m_runJson[runDir];
    if (now.size != before.size || now.modified != before.modified) {
      m_runJson[runDir] = now;
      changed = true;
      if (readRunJson(jsonPath, update)) update.problem = QString();
    }
  }
  if (changed) out.append(update);
}

bool RunTailer::readRunJson(const QString& path, RunUpdate& update) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    update.problem = tr("Cannot read %1: %2").arg(path, file.errorString());
    return false;
  }
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) {
    update.problem = tr("%1 is not a run.json file: %2 at byte %3")
                         .arg(path, error.errorString())
                         .arg(error.offset);
    return false;
  }
  const QJsonObject o = doc.object();
  update.status = o.value(QStringLiteral("status")).toString();
  update.model = o.value(QStringLiteral("model")).toString();
  update.host = o.value(QStringLiteral("host")).toString();
  for (const char* key : {"seed", "batch_size", "epochs", "threads", "global_step",
                          "train_seconds"}) {
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isDouble()) update.hparams.insert(QLatin1String(key), v.toDouble());
  }
  const QJsonObject optimizer = o.value(QStringLiteral("optimizer")).toObject();
  if (optimizer.contains(QStringLiteral("learning_rate")))
    update.hparams.insert(QStringLiteral("learning_rate"),
                          optimizer.value(QStringLiteral("learning_rate")).toDouble());
  update.textParams.insert(QStringLiteral("optimizer"),
                           optimizer.value(QStringLiteral("type")).toString());
  update.textParams.insert(
      QStringLiteral("dataset"),
      o.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("kind")).toString());
  const QJsonObject test = o.value(QStringLiteral("test")).toObject();
  for (const char* key : {"loss", "accuracy"})
    if (test.value(QLatin1String(key)).isDouble())
      update.hparams.insert(QStringLiteral("test/") + QLatin1String(key),
                            test.value(QLatin1String(key)).toDouble());
  const QString error_ = o.value(QStringLiteral("error")).toString();
  if (!error_.isEmpty()) update.textParams.insert(QStringLiteral("error"), error_);

  // Per-epoch metrics: the whole list is in every version of the file, so it replaces.
  update.replaceScalars = true;
  for (const QJsonValue& entry : o.value(QStringLiteral("epoch_metrics")).toArray()) {
    const QJsonObject e = entry.toObject();
    const double epoch = e.value(QStringLiteral("epoch")).toDouble();
    for (const char* key : kEpochKeys) {
      const QJsonValue v = e.value(QLatin1String(key));
      if (!v.isDouble()) continue;  // absent values are absent (docs/runs.md)
      update.scalars[QStringLiteral("epoch/") + QLatin1String(key)].append(epoch, NAN,
                                                                           v.toDouble());
    }
  }
  return true;
}

}  // namespace loom::studio
