#include "widgets/modes/train/run_tailer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <algorithm>

#include "engine/events/log_dir_reader.h"
#include "widgets/modes/train/scalar_columns.h"

namespace loom::studio {

namespace {
/// run.json's epoch_metrics keys and their dashboard tags (the same names TensorBoard's
/// per-epoch summaries use: "epoch/<metric>").
const char* const kEpochKeys[] = {"train_loss",          "train_accuracy", "validation_loss",
                                  "validation_accuracy", "learning_rate",  "samples_per_second"};

/// Bytes the reader reads per file and round (see poll()).
constexpr std::uint64_t kChunkBytes = std::uint64_t{16} << 20;
/// How long one poll gathers before it hands over what it has. Long: a second hand-over of a
/// big log makes the store append (copy) on the GUI thread what the first one could take as
/// it is (measured: a 208 ms GUI stall with 2 s, docs/dashboard.md); 10 s is ~50 million
/// points on the 2-core development VM.
constexpr qint64 kPollBudgetMs = 10000;

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

QString problemsText(const events::RunData& run) {
  QStringList lines;
  for (const events::FileProblem& p : run.problems) lines << qs(p.message);
  return lines.join(QLatin1Char('\n'));
}

/// Appends the values of `run` that `change` says are new to `u` (a poll of the tailer may
/// gather several of the reader's). Not the scalars: the reader wrote them into the tailer's
/// ColumnStore, whose QVectors go into the update as they are (RunTailer::poll).
void convert(const events::RunData& run, const events::RunChange& change, const QString& root,
             RunUpdate& u) {
  u.dir = qs(run.dir);
  u.name = run.name == "." ? QFileInfo(root).fileName() : qs(run.name);
  for (const auto& [tag, from] : change.histogramsFrom) {
    const auto& src = run.histograms.at(tag);
    QVector<HistogramStep>& dst = u.histograms[qs(tag)];
    for (std::size_t i = from; i < src.size(); ++i) {
      HistogramStep h;
      h.step = double(src[i].step);
      h.wall = src[i].wallTime;
      h.min = src[i].value.min;
      h.max = src[i].value.max;
      h.num = src[i].value.num;
      h.limits = QVector<double>(src[i].value.limits.begin(), src[i].value.limits.end());
      h.counts = QVector<double>(src[i].value.counts.begin(), src[i].value.counts.end());
      dst.append(std::move(h));
    }
  }
  for (const auto& [tag, from] : change.imagesFrom) {
    const auto& src = run.images.at(tag);
    QVector<ImageStep>& dst = u.images[qs(tag)];
    for (std::size_t i = from; i < src.size(); ++i) {
      ImageStep s;
      s.step = double(src[i].step);
      s.wall = src[i].wallTime;
      for (const events::Image& img : src[i].value)
        s.images.append(QImage::fromData(reinterpret_cast<const uchar*>(img.encoded.data()),
                                         int(img.encoded.size())));
      dst.append(std::move(s));
    }
  }
  for (const auto& [tag, from] : change.textsFrom) {
    const auto& src = run.texts.at(tag);
    QVector<TextStep>& dst = u.texts[qs(tag)];
    for (std::size_t i = from; i < src.size(); ++i)
      dst.append(TextStep{double(src[i].step), src[i].wallTime, qs(src[i].value)});
  }
  if (change.infoChanged && run.info) {
    // A run with event files has its epoch metrics there (loss/validation, ...): run.json's
    // copy is plotted only for runs that have no events (logging off), never twice.
    RunTailer::parseRunJson(QByteArray::fromStdString(run.info->raw),
                            u.dir + QStringLiteral("/run.json"), u, run.files.empty());
  }
  if (run.hparams)
    for (const auto& [key, value] : run.hparams->values) {
      if (const double* d = std::get_if<double>(&value))
        u.hparams.insert(qs(key), *d);
      else if (const std::string* t = std::get_if<std::string>(&value))
        u.textParams.insert(qs(key), qs(*t));
      else if (const bool* b = std::get_if<bool>(&value))
        u.textParams.insert(qs(key), *b ? QStringLiteral("true") : QStringLiteral("false"));
    }
  if (change.problemsChanged || change.added) {
    const QString problems = problemsText(run);
    if (!problems.isEmpty() || !u.problem || u.problem->isEmpty()) u.problem = problems;
  }
}
}  // namespace

RunTailer::RunTailer(QObject* parent) : QObject(parent), m_timer(new QTimer(this)) {
  m_timer->setInterval(500);
  connect(m_timer, &QTimer::timeout, this, &RunTailer::poll);
}

RunTailer::~RunTailer() = default;

void RunTailer::setDir(const QString& dir) {
  m_dir = dir;
  m_reader.reset();
  m_lastDirProblem = QStringLiteral("\x01");
  if (dir.isEmpty()) {
    m_timer->stop();
    return;
  }
  m_columns = std::make_unique<ColumnStore>();
  events::LogDirOptions options;
  options.maxBytesPerFilePoll = kChunkBytes;
  options.scalarStore = m_columns.get();
  m_reader = std::make_unique<events::LogDirReader>(dir.toStdString(), options);
  poll();
  m_timer->start();
}

void RunTailer::setIntervalMs(int ms) {
  m_timer->setInterval(ms);
}

void RunTailer::poll() {
  if (!m_reader) return;
  // The reader reads at most kChunkBytes per file and round and writes the scalar points
  // straight into m_columns' arrays, sized from the file (one fill, no growth copies): a big
  // log is held once. One update per run goes to the GUI per poll, with those arrays as its
  // QVectors (a new tag's arrays are taken as they are; appending to a tag costs the GUI
  // thread a copy); past kPollBudgetMs the rest follows in the next poll, queued at once.
  QElapsedTimer clock;
  clock.start();
  std::map<std::string, RunUpdate> pending;  // by run name: the updates go in name order
  QVector<RunUpdate> removals;
  bool more = true;
  while (more) {
    const events::LogDirChanges changes = m_reader->poll();
    more = changes.more;
    QStringList rootProblems;
    for (const std::string& p : m_reader->rootProblems()) rootProblems << qs(p);
    const QString problem = rootProblems.join(QLatin1Char('\n'));
    if (problem != m_lastDirProblem) {
      m_lastDirProblem = problem;
      emit dirProblem(problem);
    }
    for (const events::RunChange& c : changes.runs) {
      const events::RunData* run = m_reader->run(c.run);
      if (run) convert(*run, c, m_dir, pending[c.run]);
    }
    for (const std::string& gone : changes.removed) {
      RunUpdate u;
      u.dir = gone == "." ? QDir(m_dir).absolutePath() : QDir(m_dir).absoluteFilePath(qs(gone));
      u.removed = true;
      u.problem =
          tr("The run directory %1 was deleted; the data read before is still shown.").arg(u.dir);
      removals.append(u);
    }
    if (more && clock.elapsed() > kPollBudgetMs) {
      QTimer::singleShot(0, this, &RunTailer::poll);
      break;
    }
  }
  QVector<RunUpdate> updates;
  for (auto& [name, u] : pending) {
    m_columns->takeInto(name, u.scalars);
    updates.append(std::move(u));
  }
  m_columns->clear();  // the columns of runs removed meanwhile
  updates += removals;
  if (!updates.isEmpty()) emit updated(updates);
}

bool RunTailer::parseRunJson(const QByteArray& text, const QString& path, RunUpdate& update,
                             bool epochScalars) {
  QJsonParseError error;
  const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
  if (error.error != QJsonParseError::NoError || !doc.isObject()) {
    update.problem = QObject::tr("%1 is not a run.json file: %2 at byte %3")
                         .arg(path, error.errorString())
                         .arg(error.offset);
    return false;
  }
  const QJsonObject o = doc.object();
  update.status = o.value(QStringLiteral("status")).toString();
  update.model = o.value(QStringLiteral("model")).toString();
  update.host = o.value(QStringLiteral("host")).toString();
  for (const char* key :
       {"seed", "batch_size", "epochs", "threads", "global_step", "train_seconds"}) {
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

  if (!epochScalars) return true;
  // Per-epoch metrics: the whole list is in every version of the file, so it replaces (also
  // an earlier version's list gathered in the same update).
  for (const char* key : kEpochKeys)
    update.scalars.remove(QStringLiteral("epoch/") + QLatin1String(key));
  for (const QJsonValue& entry : o.value(QStringLiteral("epoch_metrics")).toArray()) {
    const QJsonObject e = entry.toObject();
    const double epoch = e.value(QStringLiteral("epoch")).toDouble();
    for (const char* key : kEpochKeys) {
      const QJsonValue v = e.value(QLatin1String(key));
      if (!v.isDouble()) continue;  // absent values are absent (docs/runs.md)
      const QString tag = QStringLiteral("epoch/") + QLatin1String(key);
      update.scalars[tag].append(epoch, NAN, v.toDouble());
      update.replaceTags.insert(tag);
    }
  }
  return true;
}

}  // namespace loom::studio
