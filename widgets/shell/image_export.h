// Writing a rendered picture to disk without blocking the GUI thread.
//
//   blankImageInBackground(size, background, this, [=](QImage picture) {  // pages: worker
//     view->renderInto(picture, 2.0);                                      // drawing: GUI thread
//     saveImageInBackground(picture, path, this, [this, path](const QString& error) {
//       emit statusMessage(error.isEmpty() ? tr("Exported %1").arg(path) : error);
//     });
//   });
//
// A widget can only be rendered on the GUI thread, but encoding a 2x PNG of a full view takes
// 100-200 ms, a visible freeze; so the image (QImage is implicitly shared and safe to read from
// another thread) is encoded and written on a pool thread. The file is written through QSaveFile:
// a failed or cancelled write never leaves half a picture where the old file was. The image's
// memory is taken on a worker too: the first write of each fresh page costs a page fault, and
// on the VMs Loom is tested on, a 2x picture's 19 MB took 55 ms of the GUI thread that way.
#pragma once

#include <QColor>
#include <QImage>
#include <QSize>
#include <QString>
#include <functional>

class QObject;

namespace loom::studio {

/// Encodes `image` as PNG into `path` on a worker thread. `done` runs later on `context`'s thread
/// with an empty string on success or a message naming the path and the cause; it is not called
/// if `context` is destroyed first. Returns at once.
void saveImageInBackground(QImage image, const QString& path, QObject* context,
                           std::function<void(const QString& error)> done);

/// Makes a `size` image (ARGB32 premultiplied, the raster engine's own format) filled with
/// `fill` on a worker thread; `ready` gets it later on `context`'s thread (not called if
/// `context` is destroyed first). Returns at once.
void blankImageInBackground(QSize size, QColor fill, QObject* context,
                            std::function<void(QImage image)> ready);

/// The same work, synchronously (what the worker runs): empty on success, else the message.
QString savePng(const QImage& image, const QString& path);

}  // namespace loom::studio
