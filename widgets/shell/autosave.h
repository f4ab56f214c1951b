// Autosaver: crash protection for the open document.
//
// Every interval (30 s by default) a modified document is written to
// <AppDataLocation>/autosave/<session>.loom (atomically) with <session>.json beside it
// (the document's own path and the time). While the session lives it holds
// <session>.lock (a QLockFile with our pid). A clean close, a save or a deliberate discard
// removes the files. After a crash (even SIGKILL) the files stay and the lock's process is
// gone: at the next start recoverableSessions() lists them and the main window offers to
// restore. A restored session is re-autosaved under the new session before the old files
// are removed, so an edit is never lost in between.
#pragma once

#include <QDateTime>
#include <QList>
#include <QLockFile>
#include <QObject>
#include <QString>
#include <QTimer>
#include <memory>

#include "engine/core/status.h"

namespace loom::studio {

class Document;

/// An autosave left behind by a session that is no longer running.
struct RecoverableSession {
  QString id;
  QString autosavePath;  ///< the `.loom` to restore from
  QString originalPath;  ///< the document's own file, empty for an untitled document
  QDateTime savedAt;
};

class Autosaver : public QObject {
  Q_OBJECT

 public:
  static constexpr int kDefaultIntervalMs = 30'000;

  /// Starts the timer. `directory` empty = <AppDataLocation>/autosave.
  explicit Autosaver(Document* document, int intervalMs = kDefaultIntervalMs,
                     const QString& directory = {}, QObject* parent = nullptr);
  /// Removes this session's files (a normal end: the user saved or chose to discard).
  ~Autosaver() override;

  QString directory() const { return m_dir; }
  QString sessionId() const { return m_id; }
  /// This session's autosave file (may not exist yet).
  QString autosavePath() const;
  int intervalMs() const { return m_timer.interval(); }

  /// Writes the autosave now if the document changed since the last one; removes it if
  /// the document is unmodified (saved or reverted). Returns the write's status.
  Status autosaveNow();
  /// Removes this session's autosave (after a save, New, or discarding changes).
  void discard();
  /// Test hook: stop without removing anything, as a crash would (the lock is released so
  /// another Autosaver in this same process sees the session as dead).
  void abandon();

  /// Sessions in `directory` (empty = default) whose owner is not running, newest first.
  static QList<RecoverableSession> recoverableSessions(const QString& directory = {});
  /// Deletes a dead session's files.
  static void removeSession(const RecoverableSession& session);
  static QString defaultDirectory();

 signals:
  /// After each successful write (path of the autosave).
  void autosaved(const QString& path);

 private:
  void removeFiles();
  Document* m_doc;
  QString m_dir;
  QString m_id;
  QTimer m_timer;
  std::unique_ptr<QLockFile> m_lock;
  bool m_dirty = false;  // changed since the last autosave
  bool m_abandoned = false;
};

}  // namespace loom::studio
