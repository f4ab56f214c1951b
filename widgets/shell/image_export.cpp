#include "widgets/shell/image_export.h"

#include <QCoreApplication>
#include <QImageWriter>
#include <QSaveFile>

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
  runInBackgroundThen(
      context, [image = std::move(image), path] { return savePng(image, path); },
      [done = std::move(done)](const QString& error) {
        if (done) done(error);
      });
}

void blankImageInBackground(QSize size, QColor fill, QObject* context,
                            std::function<void(QImage image)> ready) {
  runInBackgroundThen(
      context,
      [size, fill] {
        QImage image(size, QImage::Format_ARGB32_Premultiplied);
        image.fill(fill);
        return image;
      },
      [ready = std::move(ready)](QImage image) {
        if (ready) ready(std::move(image));  // taken from the future: not shared, no copy later
      });
}

}  // namespace loom::studio
