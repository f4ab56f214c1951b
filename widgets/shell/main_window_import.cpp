// MainWindow::importOnnxFile (main_window.h): File → Import ONNX…, off the GUI thread.
#include <QDir>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QtConcurrent>

#include "engine/core/exception_boundary.h"
#include "engine/interop/onnx_import.h"
#include "widgets/document/document.h"
#include "widgets/shell/autosave.h"
#include "widgets/shell/background.h"
#include "widgets/shell/main_window.h"

namespace loom::studio {

bool MainWindow::importOnnxFile(const QString& path) {
  if (m_opening) {
    showStatus(tr("Still opening another model; wait for it to finish"));
    return false;
  }
  if (!maybeDiscardChanges()) return false;
  m_opening = true;
  auto* busy = new QProgressBar(this);
  busy->setRange(0, 0);
  busy->setMaximumWidth(160);
  busy->setMaximumHeight(14);
  statusBar()->addPermanentWidget(busy);
  statusBar()->showMessage(tr("Importing %1…").arg(QDir::toNativeSeparators(path)));
  using Result = Expected<OnnxImportResult>;
  auto* watcher = new QFutureWatcher<Result>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, busy, path] {
    watcher->deleteLater();
    busy->deleteLater();
    statusBar()->clearMessage();
    m_opening = false;
    Result imported = watcher->result();
    if (!imported) {
      const QString message = QString::fromStdString(imported.status().message());
      auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot Import ONNX Model"), message,
                                  QMessageBox::Ok, this);
      box->setObjectName(QStringLiteral("importOnnxError"));
      box->setAttribute(Qt::WA_DeleteOnClose);
      box->open();
      emit onnxImported(path, false, message);
      return;
    }
    m_untitledName = QString::fromStdString(imported->model.name);
    m_doc->resetModel(imported->model);  // untitled: Save asks where
    m_autosaver->discard();
    showCurrentMode();
    updateTitle();
    const QString message = tr("Imported %1: %2 nodes, %3 parameter tensors")
                                .arg(QDir::toNativeSeparators(path))
                                .arg(imported->model.graph.nodes().size())
                                .arg(imported->model.parameters.size());
    showStatus(message);
    emit onnxImported(path, true, message);
  });
  watcher->setFuture(runInBackground([p = path.toStdString()] {
    return guarded("importing " + p, [&] { return importOnnx(p); });
  }));
  return true;
}

}  // namespace loom::studio
