// MiniMap: an overview of the whole graph drawn over the canvas's lower-right corner.
//
// Shows every node as a small block in its category colour and the visible area as a
// frame; clicking or dragging in it centres the view there. The node picture is cached and
// redrawn only when the scene's content changes, so panning costs one frame rectangle.
#pragma once

#include <QImage>
#include <QWidget>

namespace loom::studio {

class GraphView;

class MiniMap : public QWidget {
  Q_OBJECT

 public:
  explicit MiniMap(GraphView* view);
  /// Marks the cached node picture stale (the scene changed).
  void invalidate();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QTransform sceneToMap() const;
  void centreViewAt(QPointF mapPos);
  /// Every node of the document's graph as a block (red where analysis found an error).
  void paintCards(QPainter& p, const QTransform& t) const;
  GraphView* m_view;
  QImage m_cache;
  bool m_dirty = true;
};

}  // namespace loom::studio
