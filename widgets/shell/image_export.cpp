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

void blankImageInBackground(QSize size, QColor fill, QObject* context,
                            std::function<void(QImage image)> ready) {
  auto* watcher = new QFutureWatcher<QImage>(context);
  QObject::connect(watcher, &QFutureWatcher<QImage>::finished, context,
                   [watcher, ready = std::move(ready)] {
                     watcher->deleteLater();
                     // Taken, not copied: a copy would share the pixels with the future's,
                     // and the first change (even setDevicePixelRatio) would copy all 19 MB.
                     QImage image = watcher->future().takeResult();
                     if (ready) ready(std::move(image));
                   });
  watcher->setFuture(runInBackground([size, fill] {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(fill);
    return image;
  }));
}

}  // namespace loom::studio
