// GraphView: the Design-mode node-graph editor over a Document.
//
// Gestures become Document edits (one undo step each); the scene follows the Document's
// signals, so undo/redo and edits from other panels show up the same way.
//  * Drag from an output port to an input port (or onto a card: its first free port)
//    connects; a refused connection shows the engine's reason (statusMessage() and a
//    transient message in the view). Dragging from a free input port to an output works too.
//  * Dragging cards moves them (grid snapping while dragging); the whole multi-selection
//    move is pushed as one step when the mouse is released.
//  * Rubber-band selection with the left button on empty canvas; Ctrl+A selects all.
//  * Delete/Backspace deletes the selected nodes and edges; Ctrl+C / Ctrl+V / Ctrl+D copy,
//    paste and duplicate (clipboard format kNodesMimeType); Ctrl+Z / Ctrl+Shift+Z undo/redo.
//  * Wheel, + and - zoom around the cursor; F fits the graph; middle-drag or Space+drag pans.
//  * Dropping kOpMimeType (palette) adds that op centred at the drop point; dropping
//    kNodesMimeType inserts the nodes there.
//  * A minimap appears in the lower-right corner when the graph does not fit the view.
//  * Zoomed far out on a big graph the view draws an overview of blocks and lines itself
//    (overviewActive()); editing gestures work the same.
//  * autoLayout() lays the graph out with Graphviz dot (one undoable move).
//  * Right-clicking a card opens its context menu (nodeContextMenu()): transfer learning's
//    "Freeze up to here" / "Unfreeze all", "Cut after here" and "Append head…" (one undoable
//    edit each; frozen cards are drawn frosted with a snowflake).
// Colours come from the widget's QPalette (Base, Text, Mid, Highlight), so light and dark
// themes both work; set the palette on the view.
#pragma once

#include <QGraphicsView>
#include <QHash>
#include <QPointer>

#include "widgets/canvas/graph_scene.h"

class QLabel;
class QMenu;
class QMimeData;
class QTimer;

namespace loom::studio {

class MiniMap;

class GraphView : public QGraphicsView {
  Q_OBJECT

 public:
  explicit GraphView(Document* doc, QWidget* parent = nullptr);
  ~GraphView() override;

  Document* document() const { return m_doc; }
  GraphScene* graphScene() const { return m_scene; }
  MiniMap* miniMap() const { return m_miniMap; }

  /// Current scale (1 = 100%).
  double zoom() const;
  /// Far out on a big graph (more than GraphScene::kItemsPerSlice cards, zoom below 10 %)
  /// the view paints an overview itself: each card a block in its category colour
  /// (selected, invalid and frozen cards coloured as the scene's own far-away drawing does),
  /// each edge a line. The scene's per-item painting took 25 ms a frame, and 140 ms for the
  /// first, with 20,000 cards in sight.
  bool overviewActive() const;
  bool snapToGrid() const { return m_grid > 0; }
  void setSnapToGrid(bool on);
  double gridSize() const { return 10; }

  /// The clipboard payload for `nodes`: a `.loom` fragment in kNodesMimeType. Edges to nodes
  /// outside the set are dropped. Caller owns the result.
  QMimeData* mimeDataForNodes(const QStringList& nodes) const;
  /// Inserts nodes from kNodesMimeType data so that their bounding box's top-left lands at
  /// `sceneTopLeft` (or, without it, offset by 30,30 from where they were). Selects them.
  Status insertFromMimeData(const QMimeData* data, std::optional<QPointF> sceneTopLeft = {});

  /// Lays the graph out with Graphviz now (blocking) and pushes the result as one undo step.
  Status applyAutoLayout();

  /// The context menu of node `name` (graph_view_menu.cpp); the caller owns it. Its actions,
  /// by object name: actionFreezeUpToHere (training.freeze_until = name), actionUnfreeze
  /// (enabled while something is frozen), actionCutAfterHere, actionAppendHead (opens the
  /// window-modal "appendHeadDialog" asking for the classes, default 10, without blocking).
  /// A refused edit shows the engine's message (statusMessage()).
  QMenu* nodeContextMenu(const QString& name);

 public slots:
  void zoomIn();
  void zoomOut();
  void setZoom(double scale);
  void fitToView();
  void selectAll();
  void deleteSelection();
  void copySelection();
  void paste();
  void duplicateSelection();
  /// Lays out on a worker thread; pushes one undoable move when done and the graph has not
  /// changed meanwhile. Emits layoutFinished().
  void autoLayout();

 signals:
  /// A message for the status bar (refused connection, failed drop...).
  void statusMessage(const QString& message);
  void zoomChanged(double scale);
  void layoutFinished(bool applied);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dragLeaveEvent(QDragLeaveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void scrollContentsBy(int dx, int dy) override;
  void changeEvent(QEvent* event) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;
  void paintEvent(QPaintEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

 private:
  void paintOverview(const QRect& exposed);
  void showMessage(const QString& message);
  void scaleBy(double factor);
  void placeMiniMap();
  void updateMiniMapVisibility();
  NodeItem* nodeAt(QPoint viewPos) const;
  void finishConnection(QPoint viewPos);
  bool acceptsMime(const QMimeData* data) const;
  Status pushLayout(const QHash<QString, QPointF>& positions);

  Document* m_doc;
  GraphScene* m_scene;
  MiniMap* m_miniMap;
  QLabel* m_message;
  QTimer* m_messageTimer;
  double m_grid = 10;

  // Panning (middle button or Space + left).
  bool m_spaceHeld = false;
  bool m_panning = false;
  QPoint m_panLast;

  // Connecting: the fixed end and the temporary curve.
  struct PendingConnection {
    QString node;
    bool fromOutput = true;
    int port = 0;
    QPointF anchor;  // scene position of the fixed port
  };
  std::optional<PendingConnection> m_connecting;
  QGraphicsPathItem* m_rubberEdge = nullptr;

  // Moving: positions at press time of the selected nodes.
  QHash<QString, QPointF> m_pressPositions;
  std::uint64_t m_layoutRevision = 0;
  bool m_layoutRunning = false;
};

}  // namespace loom::studio
