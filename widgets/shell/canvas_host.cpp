#include "widgets/shell/canvas_host.h"

#include <QDragEnterEvent>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsView>
#include <QApplication>
#include <QClipboard>
#include <QMimeData>

#include "engine/graph/model.h"

#include "widgets/document/document.h"
#include "widgets/shell/palette_panel.h"
#ifdef LOOM_HAVE_CANVAS
#include "widgets/canvas/graph_view.h"
#endif

namespace loom::studio {

namespace {

constexpr int kNameRole = 0;  // QGraphicsItem::data key holding the node name

// Placeholder canvas used until widgets/canvas provides the GraphView: boxes at the nodes'
// positions, selection, and palette drops. Rebuilt from the Document on every change.
class PlaceholderView : public QGraphicsView {
 public:
  PlaceholderView(Document* doc, QWidget* parent) : QGraphicsView(parent), m_doc(doc) {
    setScene(new QGraphicsScene(this));
    setAcceptDrops(true);
    setRenderHint(QPainter::Antialiasing);
    setDragMode(QGraphicsView::RubberBandDrag);
    connect(doc, &Document::graphChanged, this, &PlaceholderView::rebuild);
    connect(doc, &Document::modelReset, this, &PlaceholderView::rebuild);
    rebuild();
  }

  void rebuild() {
    const QStringList selected = selectedNames();
    scene()->clear();
    for (const Node& n : m_doc->graph().nodes()) {
      auto* box = scene()->addRect(QRectF(-60, -16, 120, 32), QPen(palette().color(QPalette::Text)),
                                   palette().color(QPalette::Base));
      box->setPos(n.x, n.y);
      box->setFlag(QGraphicsItem::ItemIsSelectable);
      box->setData(kNameRole, QString::fromStdString(n.name));
      auto* label = new QGraphicsSimpleTextItem(QString::fromStdString(n.name + " : " + n.op), box);
      label->setBrush(palette().color(QPalette::Text));
      label->setPos(-label->boundingRect().width() / 2, -label->boundingRect().height() / 2);
      box->setSelected(selected.contains(QString::fromStdString(n.name)));
    }
  }

  QStringList selectedNames() const {
    QStringList names;
    for (QGraphicsItem* item : scene()->selectedItems()) names << item->data(kNameRole).toString();
    return names;
  }

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override {
    if (!opFromMimeData(e->mimeData()).isEmpty()) e->acceptProposedAction();
  }
  void dragMoveEvent(QDragMoveEvent* e) override {
    if (!opFromMimeData(e->mimeData()).isEmpty()) e->acceptProposedAction();
  }
  void dropEvent(QDropEvent* e) override {
    const QString op = opFromMimeData(e->mimeData());
    if (op.isEmpty()) return;
    (void)m_doc->addNode(op, mapToScene(e->position().toPoint()));
    e->acceptProposedAction();
  }

 private:
  Document* m_doc;
};

class PlaceholderHost : public CanvasHost {
 public:
  PlaceholderHost(Document* doc, QWidget* parent)
      : CanvasHost(parent), m_doc(doc), m_view(new PlaceholderView(doc, parent)) {
    connect(m_view->scene(), &QGraphicsScene::selectionChanged, this,
            [this] { emit selectionChanged(m_view->selectedNames()); });
  }
  QWidget* widget() const override { return m_view; }
  QGraphicsView* view() const override { return m_view; }
  QStringList selectedNodes() const override { return m_view->selectedNames(); }
  void selectNodes(const QStringList& nodes) override {
    for (QGraphicsItem* item : m_view->scene()->items())
      if (!item->data(kNameRole).isNull()) item->setSelected(nodes.contains(item->data(kNameRole).toString()));
  }
  void centerOnNode(const QString& node) override {
    for (QGraphicsItem* item : m_view->scene()->items())
      if (item->data(kNameRole).toString() == node) m_view->centerOn(item);
  }
  void fitAll() override {
    m_view->fitInView(m_view->scene()->itemsBoundingRect().adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
  }
  QPointF viewCenter() const override { return m_view->mapToScene(m_view->viewport()->rect().center()); }

  void copySelection() override {
    const QStringList selected = selectedNodes();
    if (selected.isEmpty()) return;
    auto* mime = new QMimeData;
    mime->setData(QString::fromLatin1(kNodesMimeType), fragment(selected));
    QApplication::clipboard()->setMimeData(mime);
  }
  void paste() override {
    const QMimeData* mime = QApplication::clipboard()->mimeData();
    if (mime && mime->hasFormat(QString::fromLatin1(kNodesMimeType)))
      insert(mime->data(QString::fromLatin1(kNodesMimeType)));
  }
  void duplicateSelection() override {
    if (!selectedNodes().isEmpty()) insert(fragment(selectedNodes()));
  }
  void deleteSelection() override {
    if (!selectedNodes().isEmpty()) (void)m_doc->removeNodes(selectedNodes());
  }

 private:
  QByteArray fragment(const QStringList& names) const {
    Model part;
    for (const Node& n : m_doc->graph().nodes())
      if (names.contains(QString::fromStdString(n.name))) (void)part.graph.addNode(n);
    return QByteArray::fromStdString(serializeModel(part, false));
  }
  void insert(const QByteArray& bytes) {
    Expected<Model> part = parseModel(bytes.toStdString(), "clipboard");
    if (!part) return;
    Expected<QStringList> added = m_doc->insertNodes(part->graph.nodes(), QPointF(40, 40));
    if (added) selectNodes(*added);
  }

  Document* m_doc;
  PlaceholderView* m_view;
};

#ifdef LOOM_HAVE_CANVAS
class GraphViewHost : public CanvasHost {
 public:
  GraphViewHost(Document* doc, QWidget* parent) : CanvasHost(parent), m_view(new GraphView(doc, parent)) {
    m_view->setObjectName(QStringLiteral("graphView"));
    connect(m_view->graphScene(), &QGraphicsScene::selectionChanged, this,
            [this] { emit selectionChanged(selectedNodes()); });
    connect(m_view, &GraphView::statusMessage, this, &CanvasHost::statusMessage);
  }
  QWidget* widget() const override { return m_view; }
  QGraphicsView* view() const override { return m_view; }
  QStringList selectedNodes() const override { return m_view->graphScene()->selectedNodeNames(); }
  void selectNodes(const QStringList& nodes) override { m_view->graphScene()->selectNodes(nodes); }
  void centerOnNode(const QString& node) override {
    if (NodeItem* item = m_view->graphScene()->nodeItem(node)) m_view->centerOn(item);
  }
  void fitAll() override { m_view->fitToView(); }
  QPointF viewCenter() const override { return m_view->mapToScene(m_view->viewport()->rect().center()); }
  void copySelection() override { m_view->copySelection(); }
  void paste() override { m_view->paste(); }
  void duplicateSelection() override { m_view->duplicateSelection(); }
  void deleteSelection() override { m_view->deleteSelection(); }

 private:
  GraphView* m_view;
};
#endif

}  // namespace

CanvasHost* createCanvas(Document* document, QWidget* parent) {
#ifdef LOOM_HAVE_CANVAS
  return new GraphViewHost(document, parent);
#else
  return new PlaceholderHost(document, parent);
#endif
}

}  // namespace loom::studio
