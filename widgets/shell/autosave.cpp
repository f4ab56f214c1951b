#include "widgets/shell/autosave.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QUuid>
#include <algorithm>

#include "widgets/document/document.h"

namespace loom::studio {

namespace {

Status writeAtomically(const QString& path, const QByteArray& bytes) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    return ioError("cannot write autosave \"" + path.toStdString() +
                   "\": " + file.errorString().toStdString());
  return Status::ok();
}

}  // namespace

QString Autosaver::defaultDirectory() {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
         QStringLiteral("/autosave");
}

Autosaver::Autosaver(Document* document, int intervalMs, const QString& directory, QObject* parent)
    : QObject(parent),
      m_doc(document),
      m_dir(directory.isEmpty() ? defaultDirectory() : directory),
      m_id(QUuid::createUuid().toString(QUuid::WithoutBraces)) {
  QDir().mkpath(m_dir);
  m_lock = std::make_unique<QLockFile>(m_dir + QLatin1Char('/') + m_id + QStringLiteral(".lock"));
  m_lock->setStaleLockTime(0);  // only a dead owner makes a lock stale, never its age
  m_lock->tryLock(0);
  connect(m_doc, &Document::graphChanged, this, [this] { m_dirty = true; });
  connect(m_doc, &Document::modelReset, this, [this] { m_dirty = true; });
  connect(m_doc, &Document::trainingSettingsChanged, this, [this] { m_dirty = true; });
  connect(m_doc, &Document::modifiedChanged, this, [this] { m_dirty = true; });
  m_timer.setInterval(intervalMs);
  connect(&m_timer, &QTimer::timeout, this, [this] { (void)autosaveNow(); });
  m_timer.start();
}

Autosaver::~Autosaver() {
  if (!m_abandoned) removeFiles();
}

QString Autosaver::autosavePath() const {
  return m_dir + QLatin1Char('/') + m_id + QStringLiteral(".loom");
}

Status Autosaver::autosaveNow() {
  if (!m_doc->isModified()) {
    removeFiles();
    m_dirty = false;
    return Status::ok();
  }
  if (!m_dirty && QFileInfo::exists(autosavePath())) return Status::ok();
  QDir().mkpath(m_dir);
  const std::string text = m_doc->serialized();
  LOOM_RETURN_IF_ERROR(writeAtomically(autosavePath(), QByteArray::fromStdString(text)));
  QJsonObject meta;
  meta[QStringLiteral("original")] = m_doc->filePath();
  meta[QStringLiteral("saved")] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
  meta[QStringLiteral("pid")] = static_cast<qint64>(QCoreApplication::applicationPid());
  LOOM_RETURN_IF_ERROR(writeAtomically(m_dir + QLatin1Char('/') + m_id + QStringLiteral(".json"),
                                       QJsonDocument(meta).toJson()));
  m_dirty = false;
  emit autosaved(autosavePath());
  return Status::ok();
}

void Autosaver::discard() {
  removeFiles();
  m_dirty = true;  // the next modification writes afresh
}

void Autosaver::abandon() {
  m_timer.stop();
  m_abandoned = true;
  m_lock->unlock();
}

void Autosaver::removeFiles() {
  QFile::remove(autosavePath());
  QFile::remove(m_dir + QLatin1Char('/') + m_id + QStringLiteral(".json"));
}

QList<RecoverableSession> Autosaver::recoverableSessions(const QString& directory) {
  const QString dirPath = directory.isEmpty() ? defaultDirectory() : directory;
  QList<RecoverableSession> sessions;
  const QDir dir(dirPath);
  for (const QFileInfo& info : dir.entryInfoList({QStringLiteral("*.loom")}, QDir::Files)) {
    const QString id = info.completeBaseName();
    QLockFile lock(dir.filePath(id + QStringLiteral(".lock")));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(0)) continue;  // its session is alive (this or another studio)
    lock.unlock();                   // removes the (stale) lock file
    RecoverableSession s;
    s.id = id;
    s.autosavePath = info.absoluteFilePath();
    s.savedAt = info.lastModified();
    QFile metaFile(dir.filePath(id + QStringLiteral(".json")));
    if (metaFile.open(QIODevice::ReadOnly)) {
      const QJsonObject meta = QJsonDocument::fromJson(metaFile.readAll()).object();
      s.originalPath = meta.value(QStringLiteral("original")).toString();
      const QDateTime saved =
          QDateTime::fromString(meta.value(QStringLiteral("saved")).toString(), Qt::ISODateWithMs);
      if (saved.isValid()) s.savedAt = saved;
    }
    sessions.push_back(s);
  }
  std::sort(sessions.begin(), sessions.end(),
            [](const RecoverableSession& a, const RecoverableSession& b) {
              return a.savedAt > b.savedAt;
            });
  return sessions;
}

void Autosaver::removeSession(const RecoverableSession& session) {
  const QDir dir(QFileInfo(session.autosavePath).absolutePath());
  QFile::remove(session.autosavePath);
  QFile::remove(dir.filePath(session.id + QStringLiteral(".json")));
  QFile::remove(dir.filePath(session.id + QStringLiteral(".lock")));
}

}  // namespace loom::studio
