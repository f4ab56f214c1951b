#include "widgets/shell/image_export.h"

#include <QCoreApplication>
#include <QFutureWatcher>
#include <QImageWriter>
#include <QSaveFile>
#include <QtConcurrent>

#include "widgets/shell/background.h"

namespace loom::studio {

QString savePng(const QImage& image, const QString& path) {
  auto tr = [](const char* text) { return QCoreApplication::translate("ImageExport", text); };
  if (image.isNull()) return tr("Nothing to write to \"%1\": the picture is empty.").arg(path);
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly))
    return tr("Cannot write \"%1\": %2").arg(path, file.errorString());
  QImageWriter writer(&file, "PNG");
  if (!writer.write(image)) {
    file.cancelWriting();
    return tr("Cannot encode \"%1\" as PNG: %2").arg(path, writer.errorString());
  }
  if (!file.commit()) return tr("Cannot write \"%1\": %2").arg(path, file.errorString());
  return {};
}

void saveImageInBackground(QImage image, const QString& path, QObject* context,
                           std::function<void(const QString& error)> done) {
  auto* watcher = new QFutureWatcher<QString>(context);
  QObject::connect(watcher, &QFutureWatcher<QString>::finished, context,
                   [watcher, done = std::move(done)] {
                     watcher->deleteLater();
                     if (done) done(watcher->result());
                   });
  watcher->setFuture(
      runInBackground([image = std::move(image), path] { return savePng(image, path); }));
}

}  // namespace loom::studio
