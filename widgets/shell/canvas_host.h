// CanvasHost: what the main window needs from the node canvas, behind one small interface.
//
// The canvas (widgets/canvas) is a QGraphicsView over the Document. The main window talks to
// it only through this adapter: selection, centring, fitting and the view's centre for
// palette double-clicks. createCanvas() builds the real GraphView; everything else in the
// shell is independent of the canvas' internals.
#pragma once

#include <QObject>
#include <QPointF>
#include <QStringList>

class QWidget;
class QGraphicsView;

namespace loom::studio {

class Document;

class CanvasHost : public QObject {
  Q_OBJECT

 public:
  using QObject::QObject;

  /// The widget to place in the window (owned by its Qt parent).
  virtual QWidget* widget() const = 0;
  /// The QGraphicsView whose viewport receives drops (null for a non-graphics canvas).
  virtual QGraphicsView* view() const = 0;
  virtual QStringList selectedNodes() const = 0;
  /// Selects exactly `nodes` (unknown names ignored).
  virtual void selectNodes(const QStringList& nodes) = 0;
  /// Scrolls so that `node` is in the middle of the view.
  virtual void centerOnNode(const QString& node) = 0;
  /// Zooms and scrolls so the whole graph is visible (F).
  virtual void fitAll() = 0;
  /// The scene position at the middle of the visible area.
  virtual QPointF viewCenter() const = 0;

  // Edit commands of the Edit menu, applied to the canvas selection (clipboard format
  // kNodesMimeType). Each is one Document edit.
  virtual void copySelection() = 0;
  virtual void paste() = 0;
  virtual void duplicateSelection() = 0;
  virtual void deleteSelection() = 0;

 signals:
  void selectionChanged(const QStringList& nodes);
  void statusMessage(const QString& message);
};

/// The canvas over `document`, its widget parented to `parent`. The host is owned by `parent`.
/// It is the GraphView of widgets/canvas when that part is built (LOOM_HAVE_CANVAS), else a
/// minimal placeholder view (boxes, selection, palette drops).
CanvasHost* createCanvas(Document* document, QWidget* parent);

}  // namespace loom::studio
