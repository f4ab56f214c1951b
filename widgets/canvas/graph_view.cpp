#include "widgets/canvas/graph_view.h"

#include <QApplication>
#include <QClipboard>
#include <QFutureWatcher>
#include <QKeyEvent>
#include <QLabel>
#include <QMimeData>
#include <QPaintEvent>
#include <QPainter>
#include <QRubberBand>
#include <QScrollBar>
#include <QSet>
#include <QStyleOption>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

#include "widgets/canvas/auto_layout.h"
#include "widgets/canvas/minimap.h"
#include "widgets/shell/background.h"

namespace loom::studio {

namespace {

constexpr double kMinZoom = 0.03;
/// Below this zoom a big graph is drawn as an overview (GraphView::overviewActive()).
constexpr double kOverviewZoom = 0.1;
constexpr double kMaxZoom = 4.0;
/// The minimap appears from this many nodes on, when the graph does not fit the view.
constexpr int kMiniMapMinNodes = 12;

QString qstr(const Status& s) {
  return QString::fromStdString(s.message());
}

}  // namespace

GraphView::GraphView(Document* doc, QWidget* parent)
    : QGraphicsView(parent), m_doc(doc), m_scene(new GraphScene(doc, this)) {
  setScene(m_scene);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::RubberBandDrag);
  setRubberBandSelectionMode(Qt::IntersectsItemShape);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setResizeAnchor(QGraphicsView::AnchorViewCenter);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setOptimizationFlags(QGraphicsView::DontSavePainterState |
                       QGraphicsView::DontAdjustForAntialiasing);
  setCacheMode(QGraphicsView::CacheBackground);
  setAcceptDrops(true);
  setFocusPolicy(Qt::StrongFocus);
  m_scene->setPalette(palette());
  NodeItem::setSnapGrid(m_grid);

  m_miniMap = new MiniMap(this);
  m_message = new QLabel(viewport());
  m_message->setAutoFillBackground(true);
  m_message->setBackgroundRole(QPalette::ToolTipBase);
  m_message->setForegroundRole(QPalette::ToolTipText);
  m_message->setMargin(6);
  m_message->setWordWrap(true);
  m_message->hide();
  m_messageTimer = new QTimer(this);
  m_messageTimer->setSingleShot(true);
  m_messageTimer->setInterval(4000);
  connect(m_messageTimer, &QTimer::timeout, m_message, &QWidget::hide);

  connect(m_scene, &GraphScene::contentChanged, this, [this] {
    m_miniMap->invalidate();
    updateMiniMapVisibility();
  });
  connect(doc, &Document::modelReset, this,
          [this] { QTimer::singleShot(0, this, &GraphView::fitToView); });
  updateMiniMapVisibility();
}

GraphView::~GraphView() = default;

double GraphView::zoom() const {
  return transform().m11();
}

void GraphView::setSnapToGrid(bool on) {
  m_grid = on ? gridSize() : 0;
  NodeItem::setSnapGrid(m_grid);
}

// ---- zoom and pan ------------------------------------------------------------------------------

void GraphView::scaleBy(double factor) {
  const double target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
  if (target == zoom()) return;
  const double f = target / zoom();
  scale(f, f);
  m_miniMap->update();
  updateMiniMapVisibility();
  emit zoomChanged(zoom());
}

void GraphView::zoomIn() {
  scaleBy(1.25);
}
void GraphView::zoomOut() {
  scaleBy(0.8);
}
void GraphView::setZoom(double s) {
  scaleBy(s / zoom());
}

void GraphView::fitToView() {
  const QRectF r = m_scene->nodesBoundingRect();
  if (r.isEmpty()) {
    setZoom(1);
    centerOn(0, 0);
    return;
  }
  const QRectF target = r.adjusted(-30, -30, 30, 30);
  const double s =
      std::min(viewport()->width() / target.width(), viewport()->height() / target.height());
  setZoom(std::min(s, 1.0));  // never magnify a small graph beyond 100%
  centerOn(target.center());
  m_miniMap->update();
}

void GraphView::wheelEvent(QWheelEvent* event) {
  const double delta = event->angleDelta().y();
  if (delta == 0) return;
  scaleBy(std::pow(1.0015, delta));
  event->accept();
}

void GraphView::scrollContentsBy(int dx, int dy) {
  QGraphicsView::scrollContentsBy(dx, dy);
  m_miniMap->update();
}

void GraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  placeMiniMap();
  updateMiniMapVisibility();
}

void GraphView::placeMiniMap() {
  const QRect vp = viewport()->geometry();
  m_miniMap->move(vp.right() - m_miniMap->width() - 8, vp.bottom() - m_miniMap->height() - 8);
}

void GraphView::updateMiniMapVisibility() {
  const QRectF nodes = m_scene->nodesBoundingRect();
  const QRectF visible = mapToScene(viewport()->rect()).boundingRect();
  const bool show = m_scene->nodeItems().size() >= kMiniMapMinNodes && !visible.contains(nodes) &&
                    viewport()->width() > 2 * m_miniMap->width();
  placeMiniMap();
  m_miniMap->setVisible(show);
}

void GraphView::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    m_scene->setPalette(palette());
    resetCachedContent();
    m_scene->update();
    m_miniMap->invalidate();
  }
  QGraphicsView::changeEvent(event);
}

namespace {
QColor canvasColour(const QPalette& pal) {
  return pal.color(QPalette::Base).darker(pal.color(QPalette::Base).lightness() > 128 ? 104 : 80);
}
}  // namespace

bool GraphView::overviewActive() const {
  return m_scene->nodeItems().size() > GraphScene::kItemsPerSlice && zoom() < kOverviewZoom;
}

void GraphView::paintEvent(QPaintEvent* event) {
  if (!overviewActive()) {
    QGraphicsView::paintEvent(event);
    return;
  }
  paintOverview(event->rect());
}

void GraphView::paintOverview(const QRect& exposed) {
  QPainter p(viewport());
  const QPalette pal = palette();
  p.fillRect(exposed, canvasColour(pal));
  const QTransform t = viewportTransform();
  const QRectF visible = mapToScene(exposed).boundingRect().adjusted(-kNodeWidth, -kNodeHeight,
                                                                     kNodeWidth, kNodeHeight);
  // Cull on the document's node array (contiguous), then look up only the visible cards.
  QVector<NodeItem*> shown;
  for (const Node& n : m_doc->graph().nodes()) {
    if (!visible.intersects(QRectF(n.x, n.y, kNodeWidth, kNodeHeight))) continue;
    if (NodeItem* item = m_scene->nodeItem(QString::fromStdString(n.name))) shown.push_back(item);
  }
  QSet<const NodeItem*> onScreen(shown.begin(), shown.end());
  QColor edgeColour = pal.color(QPalette::Text);
  edgeColour.setAlphaF(0.55);  // as EdgeItem draws them
  QPen edgePen(edgeColour, 1);
  p.setPen(edgePen);
  auto line = [&](const EdgeItem* e) {
    p.drawLine(t.map(e->from()->pos() + e->from()->outputPortPos()),
               t.map(e->to()->pos() + e->to()->inputPortPos(e->port())));
  };
  for (NodeItem* item : std::as_const(shown)) {
    for (const EdgeItem* e : item->inEdges())
      if (e) line(e);
    for (const EdgeItem* e : item->outEdges())
      if (!onScreen.contains(e->to())) line(e);  // else drawn as the consumer's in-edge
  }
  const QColor highlight = pal.color(QPalette::Highlight);
  for (const NodeItem* item : std::as_const(shown)) {
    QRectF r = t.mapRect(QRectF(item->pos(), QSizeF(kNodeWidth, kNodeHeight)));
    if (r.width() < 1) r.setWidth(1);
    if (r.height() < 1) r.setHeight(1);
    const QColor fill = item->isFrozen() ? frozenCardColor() : item->color();
    p.fillRect(r, !item->isValid() ? cardErrorColor() : item->isSelected() ? highlight : fill);
  }
  if (const QRect band = rubberBandRect(); !band.isNull()) {
    QStyleOptionRubberBand option;
    option.initFrom(viewport());
    option.rect = band;
    option.shape = QRubberBand::Rectangle;
    QStyleHintReturnMask mask;
    if (viewport()->style()->styleHint(QStyle::SH_RubberBand_Mask, &option, viewport(), &mask))
      p.setClipRegion(mask.region, Qt::IntersectClip);
    viewport()->style()->drawControl(QStyle::CE_RubberBand, &option, &p, viewport());
  }
}

void GraphView::drawBackground(QPainter* painter, const QRectF& rect) {
  const QPalette pal = palette();
  painter->fillRect(rect, canvasColour(pal));
  const double lod = zoom();
  if (lod < 0.5) return;  // a grid finer than a few pixels is noise
  QColor minor = pal.color(QPalette::Mid);
  minor.setAlphaF(0.18);
  QColor major = pal.color(QPalette::Mid);
  major.setAlphaF(0.35);
  const double step = 20;
  QVector<QLineF> minorLines, majorLines;
  const double x0 = std::floor(rect.left() / step) * step,
               y0 = std::floor(rect.top() / step) * step;
  for (double x = x0; x < rect.right(); x += step)
    (std::fmod(std::abs(x), 100) < 1e-6 ? majorLines : minorLines)
        .push_back(QLineF(x, rect.top(), x, rect.bottom()));
  for (double y = y0; y < rect.bottom(); y += step)
    (std::fmod(std::abs(y), 100) < 1e-6 ? majorLines : minorLines)
        .push_back(QLineF(rect.left(), y, rect.right(), y));
  QPen pen(minor, 0);
  painter->setPen(pen);
  painter->drawLines(minorLines);
  pen.setColor(major);
  painter->setPen(pen);
  painter->drawLines(majorLines);
}

// ---- messages ----------------------------------------------------------------------------------

void GraphView::showMessage(const QString& message) {
  emit statusMessage(message);
  m_message->setText(message);
  m_message->setMaximumWidth(std::max(200, viewport()->width() - 20));
  m_message->adjustSize();
  m_message->move(10, 10);
  m_message->show();
  m_message->raise();
  m_messageTimer->start();
}

// ---- mouse: connect, move, pan ----------------------------------------------------------------

NodeItem* GraphView::nodeAt(QPoint viewPos) const {
  for (QGraphicsItem* item : items(viewPos))
    if (item->type() == NodeItem::Type) return static_cast<NodeItem*>(item);
  // Ports stick out of the card by a few pixels; look around the point too.
  const QRect around(viewPos - QPoint(6, 6), QSize(13, 13));
  for (QGraphicsItem* item : items(around))
    if (item->type() == NodeItem::Type) return static_cast<NodeItem*>(item);
  return nullptr;
}

void GraphView::mousePressEvent(QMouseEvent* event) {
  const QPoint pos = event->position().toPoint();
  if (event->button() == Qt::MiddleButton || (event->button() == Qt::LeftButton && m_spaceHeld)) {
    m_panning = true;
    m_panLast = pos;
    viewport()->setCursor(Qt::ClosedHandCursor);
    event->accept();
    return;
  }
  if (event->button() == Qt::LeftButton) {
    if (NodeItem* node = nodeAt(pos)) {
      const auto port = node->portAt(node->mapFromScene(mapToScene(pos)));
      const bool freeInput =
          port && !port->output && port->index >= static_cast<int>(node->node().inputs.size());
      if (port && (port->output || freeInput)) {
        m_connecting =
            PendingConnection{node->name(), port->output, port->index,
                              node->mapToScene(port->output ? node->outputPortPos()
                                                            : node->inputPortPos(port->index))};
        m_rubberEdge = new QGraphicsPathItem();
        QPen pen(palette().color(QPalette::Highlight), 2, Qt::DashLine);
        pen.setCosmetic(true);
        m_rubberEdge->setPen(pen);
        m_rubberEdge->setZValue(10);
        m_scene->addItem(m_rubberEdge);
        event->accept();
        return;
      }
    }
  }
  QGraphicsView::mousePressEvent(event);
  if (event->button() == Qt::LeftButton) {
    m_pressPositions.clear();
    for (QGraphicsItem* item : m_scene->selectedItems())
      if (item->type() == NodeItem::Type)
        m_pressPositions.insert(static_cast<NodeItem*>(item)->name(), item->pos());
  }
}

void GraphView::mouseMoveEvent(QMouseEvent* event) {
  const QPoint pos = event->position().toPoint();
  if (m_panning) {
    const QPoint d = pos - m_panLast;
    m_panLast = pos;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
    verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
    event->accept();
    return;
  }
  if (m_connecting && m_rubberEdge) {
    QPointF a = m_connecting->anchor, b = mapToScene(pos);
    if (!m_connecting->fromOutput) std::swap(a, b);
    const double dy = std::max(40.0, std::abs(b.y() - a.y()) / 2);
    QPainterPath path(a);
    path.cubicTo(a + QPointF(0, dy), b - QPointF(0, dy), b);
    m_rubberEdge->setPath(path);
    event->accept();
    return;
  }
  QGraphicsView::mouseMoveEvent(event);
}

void GraphView::finishConnection(QPoint viewPos) {
  const PendingConnection c = *m_connecting;
  m_connecting.reset();
  delete m_rubberEdge;
  m_rubberEdge = nullptr;
  NodeItem* target = nodeAt(viewPos);
  if (!target) return;  // dropped on empty canvas: nothing to do
  if (target->name() == c.node) {
    if (c.fromOutput) showMessage(tr("A node cannot feed itself."));
    return;
  }
  const auto port = target->portAt(target->mapFromScene(mapToScene(viewPos)));
  Status s;
  if (c.fromOutput) {
    const int to = port && !port->output ? port->index : target->defaultInputPort();
    s = m_doc->connectNodes(c.node, target->name(), to);
  } else {
    s = m_doc->connectNodes(target->name(), c.node, c.port);
  }
  if (!s) showMessage(qstr(s));
}

void GraphView::mouseReleaseEvent(QMouseEvent* event) {
  const QPoint pos = event->position().toPoint();
  if (m_panning && (event->button() == Qt::MiddleButton || event->button() == Qt::LeftButton)) {
    m_panning = false;
    viewport()->setCursor(m_spaceHeld ? Qt::OpenHandCursor : Qt::ArrowCursor);
    event->accept();
    return;
  }
  if (m_connecting && event->button() == Qt::LeftButton) {
    finishConnection(pos);
    event->accept();
    return;
  }
  QGraphicsView::mouseReleaseEvent(event);
  if (event->button() == Qt::LeftButton && !m_pressPositions.isEmpty()) {
    QHash<QString, QPointF> moved;
    for (auto it = m_pressPositions.cbegin(); it != m_pressPositions.cend(); ++it) {
      NodeItem* item = m_scene->nodeItem(it.key());
      if (item && item->pos() != it.value()) moved.insert(it.key(), item->pos());
    }
    m_pressPositions.clear();
    if (!moved.isEmpty()) {
      if (Status s = m_doc->moveNodes(moved); !s) showMessage(qstr(s));
    }
  }
}

// ---- keyboard ----------------------------------------------------------------------------------

void GraphView::keyPressEvent(QKeyEvent* event) {
  if (event->matches(QKeySequence::Delete) || event->key() == Qt::Key_Backspace ||
      event->key() == Qt::Key_Delete) {
    deleteSelection();
  } else if (event->matches(QKeySequence::Copy)) {
    copySelection();
  } else if (event->matches(QKeySequence::Paste)) {
    paste();
  } else if (event->matches(QKeySequence::SelectAll)) {
    selectAll();
  } else if (event->key() == Qt::Key_D && (event->modifiers() & Qt::ControlModifier)) {
    duplicateSelection();
  } else if (event->matches(QKeySequence::Undo)) {
    m_doc->undoStack()->undo();
  } else if (event->matches(QKeySequence::Redo)) {
    m_doc->undoStack()->redo();
  } else if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal) {
    zoomIn();
  } else if (event->key() == Qt::Key_Minus) {
    zoomOut();
  } else if (event->key() == Qt::Key_F && event->modifiers() == Qt::NoModifier) {
    fitToView();
  } else if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
    m_spaceHeld = true;
    viewport()->setCursor(Qt::OpenHandCursor);
  } else {
    QGraphicsView::keyPressEvent(event);
    return;
  }
  event->accept();
}

void GraphView::keyReleaseEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Space && !event->isAutoRepeat()) {
    m_spaceHeld = false;
    m_panning = false;
    viewport()->setCursor(Qt::ArrowCursor);
    event->accept();
    return;
  }
  QGraphicsView::keyReleaseEvent(event);
}

// ---- selection, clipboard ----------------------------------------------------------------------

void GraphView::selectAll() {
  for (NodeItem* item : m_scene->nodeItems()) item->setSelected(true);
}

void GraphView::deleteSelection() {
  const QStringList nodes = m_scene->selectedNodeNames();
  // Selected edges whose ends both survive: disconnect, highest port first so indices hold.
  QVector<EdgeItem*> edges;
  for (QGraphicsItem* item : m_scene->selectedItems())
    if (item->type() == EdgeItem::Type) {
      auto* e = static_cast<EdgeItem*>(item);
      if (!nodes.contains(e->from()->name()) && !nodes.contains(e->to()->name()))
        edges.push_back(e);
    }
  if (nodes.isEmpty() && edges.isEmpty()) return;
  std::sort(edges.begin(), edges.end(),
            [](EdgeItem* a, EdgeItem* b) { return a->port() > b->port(); });
  QVector<QPair<QString, int>> cuts;
  for (EdgeItem* e : edges) cuts.push_back({e->to()->name(), e->port()});
  m_doc->undoStack()->beginMacro(tr("Delete selection"));
  for (const auto& [to, port] : cuts)
    if (Status s = m_doc->disconnect(to, port); !s) showMessage(qstr(s));
  if (!nodes.isEmpty())
    if (Status s = m_doc->removeNodes(nodes); !s) showMessage(qstr(s));
  m_doc->undoStack()->endMacro();
}

QMimeData* GraphView::mimeDataForNodes(const QStringList& nodes) const {
  Model fragment;
  fragment.name = "clipboard";
  for (const QString& name : nodes) {
    const Node* n = m_doc->graph().find(name.toStdString());
    if (!n) continue;
    Node copy = *n;
    std::erase_if(copy.inputs, [&](const std::string& in) {
      return !nodes.contains(QString::fromStdString(in));
    });
    (void)fragment.graph.addNode(std::move(copy));
  }
  auto* data = new QMimeData;
  const std::string text = serializeModel(fragment, false);
  data->setData(kNodesMimeType, QByteArray::fromStdString(text));
  data->setText(QString::fromStdString(text));
  return data;
}

Status GraphView::insertFromMimeData(const QMimeData* data, std::optional<QPointF> sceneTopLeft) {
  if (!data || !data->hasFormat(kNodesMimeType))
    return invalidArgument("the clipboard holds no Loom nodes");
  LOOM_ASSIGN_OR_RETURN(Model fragment,
                        parseModel(data->data(kNodesMimeType).toStdString(), "clipboard"));
  const auto& nodes = fragment.graph.nodes();
  if (nodes.empty()) return Status::ok();
  QPointF offset(30, 30);
  if (sceneTopLeft) {
    double minX = nodes.front().x, minY = nodes.front().y;
    for (const auto& n : nodes) {
      minX = std::min(minX, n.x);
      minY = std::min(minY, n.y);
    }
    offset = *sceneTopLeft - QPointF(minX, minY);
    if (m_grid > 0)
      offset = QPointF(std::round(offset.x() / m_grid) * m_grid,
                       std::round(offset.y() / m_grid) * m_grid);
  }
  LOOM_ASSIGN_OR_RETURN(QStringList added, m_doc->insertNodes(nodes, offset));
  m_scene->selectNodes(added);
  return Status::ok();
}

void GraphView::copySelection() {
  const QStringList nodes = m_scene->selectedNodeNames();
  if (nodes.isEmpty()) return;
  QApplication::clipboard()->setMimeData(mimeDataForNodes(nodes));
}

void GraphView::paste() {
  if (Status s = insertFromMimeData(QApplication::clipboard()->mimeData()); !s)
    showMessage(qstr(s));
}

void GraphView::duplicateSelection() {
  const QStringList nodes = m_scene->selectedNodeNames();
  if (nodes.isEmpty()) return;
  std::unique_ptr<QMimeData> data(mimeDataForNodes(nodes));
  if (Status s = insertFromMimeData(data.get()); !s) showMessage(qstr(s));
}

// ---- drag and drop -----------------------------------------------------------------------------

bool GraphView::acceptsMime(const QMimeData* data) const {
  return data && (data->hasFormat(kOpMimeType) || data->hasFormat(kNodesMimeType));
}

void GraphView::dragEnterEvent(QDragEnterEvent* event) {
  if (acceptsMime(event->mimeData()))
    event->acceptProposedAction();
  else
    event->ignore();
}

void GraphView::dragMoveEvent(QDragMoveEvent* event) {
  if (acceptsMime(event->mimeData()))
    event->acceptProposedAction();
  else
    event->ignore();
}

void GraphView::dragLeaveEvent(QDragLeaveEvent* event) {
  event->accept();
}

void GraphView::dropEvent(QDropEvent* event) {
  const QMimeData* data = event->mimeData();
  if (!acceptsMime(data)) {
    event->ignore();
    return;
  }
  const QPointF scenePos = mapToScene(event->position().toPoint());
  event->acceptProposedAction();
  if (data->hasFormat(kOpMimeType)) {
    const QString op = QString::fromUtf8(data->data(kOpMimeType)).trimmed();
    QPointF topLeft = scenePos - QPointF(kNodeWidth / 2, kNodeHeight / 2);
    if (m_grid > 0)
      topLeft = QPointF(std::round(topLeft.x() / m_grid) * m_grid,
                        std::round(topLeft.y() / m_grid) * m_grid);
    auto added = m_doc->addNode(op, topLeft);
    if (!added) {
      showMessage(qstr(added.status()));
      return;
    }
    m_scene->selectNodes({*added});
    setFocus();
  } else if (Status s = insertFromMimeData(data, scenePos); !s) {
    showMessage(qstr(s));
  }
}

// ---- layout ------------------------------------------------------------------------------------

Status GraphView::applyAutoLayout() {
  const QRectF before = m_scene->nodesBoundingRect();
  LOOM_ASSIGN_OR_RETURN(auto positions, computeLayeredLayout(m_doc->graph(), before.topLeft()));
  return pushLayout(positions);
}

Status GraphView::pushLayout(const QHash<QString, QPointF>& positions) {
  bool changes = false;
  for (const auto& n : m_doc->graph().nodes()) {
    const QPointF p = positions.value(QString::fromStdString(n.name), QPointF(n.x, n.y));
    changes = changes || p != QPointF(n.x, n.y);
  }
  if (!changes) return Status::ok();
  m_doc->undoStack()->beginMacro(tr("Auto layout"));  // a macro never merges with a move
  Status s = m_doc->moveNodes(positions);
  m_doc->undoStack()->endMacro();
  return s;
}

void GraphView::autoLayout() {
  if (m_layoutRunning) return;
  m_layoutRunning = true;
  m_layoutRevision = m_doc->revision();
  const QPointF origin = m_scene->nodesBoundingRect().topLeft();
  auto* watcher = new QFutureWatcher<Expected<QHash<QString, QPointF>>>(this);
  connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
    watcher->deleteLater();
    m_layoutRunning = false;
    const auto result = watcher->result();
    bool applied = false;
    if (!result) {
      showMessage(qstr(result.status()));
    } else if (m_doc->revision() != m_layoutRevision) {
      showMessage(tr("The graph changed during the layout; run it again."));
    } else {
      const Status s = pushLayout(*result);
      applied = s.isOk();
      if (applied) fitToView();
    }
    emit layoutFinished(applied);
  });
  watcher->setFuture(runInBackground(
      [graph = m_doc->graph(), origin] { return computeLayeredLayout(graph, origin); }));
}

}  // namespace loom::studio
