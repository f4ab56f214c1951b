#include "widgets/canvas/minimap.h"

#include <QMouseEvent>
#include <QPainter>
#include <string>
#include <unordered_map>

#include "engine/ops/op.h"
#include "widgets/canvas/graph_view.h"

namespace loom::studio {

MiniMap::MiniMap(GraphView* view) : QWidget(view), m_view(view) {
  setFixedSize(200, 140);
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Overview: click or drag to move the view"));
}

void MiniMap::invalidate() {
  m_dirty = true;
  update();
}

QTransform MiniMap::sceneToMap() const {
  const QRectF scene = m_view->graphScene()->nodesBoundingRect().adjusted(-40, -40, 40, 40);
  if (scene.isEmpty()) return {};
  const QRectF area = QRectF(rect()).adjusted(6, 6, -6, -6);
  const double s = std::min(area.width() / scene.width(), area.height() / scene.height());
  const QPointF offset = area.center() - scene.center() * s;
  return QTransform(s, 0, 0, s, offset.x(), offset.y());
}

void MiniMap::paintEvent(QPaintEvent*) {
  const QPalette pal = m_view->palette();
  const QTransform t = sceneToMap();
  const qreal dpr = devicePixelRatioF();
  if (m_dirty || m_cache.size() != size() * dpr) {
    m_cache = QImage(size() * dpr, QImage::Format_ARGB32_Premultiplied);
    m_cache.setDevicePixelRatio(dpr);
    m_cache.fill(Qt::transparent);
    QPainter p(&m_cache);
    QColor bg = pal.color(QPalette::Base);
    bg.setAlpha(245);
    p.setPen(pal.color(QPalette::Mid));
    p.setBrush(bg);
    p.drawRoundedRect(QRectF(rect()).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5);
    p.setPen(Qt::NoPen);
    paintCards(p, t);
    m_dirty = false;
  }
  QPainter p(this);
  p.drawImage(0, 0, m_cache);
  const QRectF visible = m_view->mapToScene(m_view->viewport()->rect()).boundingRect();
  p.setPen(QPen(pal.color(QPalette::Highlight), 1.5));
  p.setBrush(Qt::NoBrush);
  p.setClipRect(rect().adjusted(1, 1, -1, -1));
  p.drawRect(t.mapRect(visible));
}

void MiniMap::paintCards(QPainter& p, const QTransform& t) const {
  // From the document's graph, not the scene's cards: its nodes lie in one array, where
  // visiting 100,000 cards scattered over the heap took 50 ms of the GUI thread.
  const Document* doc = m_view->document();
  const auto& nodes = doc->graph().nodes();
  const auto& analysed = doc->analysis().nodes;
  const bool analysisFits = doc->isAnalysisCurrent() && analysed.size() == nodes.size();
  const QColor invalid = cardErrorColor();
  std::unordered_map<std::string, QColor> colours;  // by op: a handful of entries
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    auto c = colours.find(n.op);
    if (c == colours.end()) {
      const Op* op = OpRegistry::global().find(n.op);
      c = colours.emplace(n.op, op ? categoryColor(op->schema().category) : invalid).first;
    }
    const bool valid = !analysisFits || analysed[i].status.isOk();
    const QRectF r = t.mapRect(QRectF(n.x, n.y, kNodeWidth, kNodeHeight));
    p.fillRect(r.width() < 1 ? QRectF(r.topLeft(), QSizeF(1, 1)) : r, valid ? c->second : invalid);
  }
}

void MiniMap::centreViewAt(QPointF mapPos) {
  bool ok = false;
  const QTransform inv = sceneToMap().inverted(&ok);
  if (ok) m_view->centerOn(inv.map(mapPos));
}

void MiniMap::mousePressEvent(QMouseEvent* e) {
  centreViewAt(e->position());
}

void MiniMap::mouseMoveEvent(QMouseEvent* e) {
  if (e->buttons() & Qt::LeftButton) centreViewAt(e->position());
}

}  // namespace loom::studio
