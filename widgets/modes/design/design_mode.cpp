#include "widgets/modes/design/design_mode.h"

#include <QAction>
#include <QDockWidget>
#include <QMainWindow>
#include <QRegularExpression>
#include <QSettings>
#include <QTimer>
#include <QUndoView>

#include "widgets/canvas/graph_scene.h"
#include "widgets/canvas/graph_view.h"
#include "widgets/document/document.h"
#include "widgets/modes/train/train_session.h"
#include "widgets/shell/palette_panel.h"
#include "widgets/shell/problems_panel.h"
#include "widgets/shell/properties_panel.h"

namespace loom::studio {

namespace {
const QString kSnapKey = QStringLiteral("snapToGrid");
}  // namespace

StudioMode* createDesignMode(const ModeContext& context, QObject* parent) {
  return new DesignMode(context, parent);
}

DesignMode::DesignMode(const ModeContext& context, QObject* parent)
    : StudioMode(context, parent),
      m_view(new GraphView(context.document)),
      m_palette(new PalettePanel),
      m_properties(new PropertiesPanel(context.document)),
      m_undoView(new QUndoView(context.document->undoStack())),
      m_problems(new ProblemsPanel(context.document)),
      m_paletteDock(makeDock(tr("Palette"), QStringLiteral("paletteDock"), m_palette)),
      m_propertiesDock(makeDock(tr("Properties"), QStringLiteral("propertiesDock"), m_properties)),
      m_undoDock(makeDock(tr("Undo History"), QStringLiteral("undoDock"), m_undoView)),
      m_problemsDock(makeDock(tr("Problems"), QStringLiteral("problemsDock"), m_problems)) {
  m_view->setObjectName(QStringLiteral("graphView"));
  m_undoView->setEmptyLabel(tr("<opened>"));
  createActions();

  connect(m_palette, &PalettePanel::opActivated, this, [this](const QString& op) {
    emit activationRequested();
    Expected<QString> added = addOpAtViewCenter(op);
    emit statusMessage(added ? tr("Added %1").arg(*added)
                             : QString::fromStdString(added.status().message()));
  });
  connect(m_view->graphScene(), &QGraphicsScene::selectionChanged, this, [this] {
    const QStringList nodes = selectedNodes();
    m_properties->setNode(nodes.size() == 1 ? nodes.front() : QString());
  });
  connect(m_view, &GraphView::statusMessage, this, &StudioMode::statusMessage);
  connect(m_properties, &PropertiesPanel::statusMessage, this, &StudioMode::statusMessage);
  connect(m_properties, &PropertiesPanel::nodeRenamed, this, [this](const QString& name) {
    selectNodes({name});
    m_properties->setNode(name);  // also when the canvas kept the selection (no signal)
  });
  connect(m_problems, &ProblemsPanel::problemCountChanged, this, [this](int count) {
    m_problemsDock->setWindowTitle(count == 0 ? tr("Problems") : tr("Problems (%1)").arg(count));
  });
  connect(m_problems, &ProblemsPanel::nodeActivated, this, [this](const QString& node) {
    emit activationRequested();
    selectNodes({node});
    if (NodeItem* item = m_view->graphScene()->nodeItem(node)) m_view->centerOn(item);
  });
  // A newly opened model is shown whole. Queued: a restore pushes its edit right after the
  // reset, and the view should fit what the user gets.
  connect(document(), &Document::modelReset, this,
          [this] { QTimer::singleShot(0, this, &DesignMode::fitAll); });
  // A big model's canvas is built in slices (GraphScene): say how far it is, fit when done.
  connect(
      m_view->graphScene(), &GraphScene::buildProgress, this, [this](qint64 done, qint64 total) {
        emit statusMessage(tr("Building the canvas: %1 %").arg(total > 0 ? 100 * done / total : 0));
      });
  connect(m_view->graphScene(), &GraphScene::built, this, [this] {
    fitAll();
    emit statusMessage(tr("Canvas ready: %1 nodes").arg(document()->graph().nodes().size()));
  });
  if (training()) connectTraining();
  connect(m_view, &GraphView::layoutFinished, this, [this](bool applied) {
    if (!applied) return;
    fitAll();
    emit statusMessage(tr("Laid out the graph (undo puts the cards back)"));
  });
}

void DesignMode::connectTraining() {
  TrainSession* session = training();
  GraphScene* scene = m_view->graphScene();
  connect(session, &TrainSession::started, scene, &GraphScene::clearLiveStats);
  connect(session, &TrainSession::nodeStats, this,
          [this, scene](std::int64_t, const NodeStatsMap& stats) {
            QHash<QString, NodeItem::LiveStats> live;
            for (auto it = stats.begin(); it != stats.end(); ++it) {
              const Node* node = document()->graph().find(it.key().toStdString());
              NodeItem::LiveStats s;
              s.mean = it->mean;
              s.std = it->std;
              s.zeroFraction = it->zeroFraction;
              s.showZeros = node && node->op == "ReLU";
              s.hasGradient = it->hasGradient;
              s.gradNorm = it->gradNorm;
              s.nonFinite = !it->isFinite();
              live.insert(it.key(), s);
            }
            scene->setLiveStats(live);
          });
  connect(session, &TrainSession::finished, this,
          [this, scene](TrainStatus status, const QString& detail) {
            if (status != TrainStatus::Diverged) return;
            const QString node = faultyNode(detail);
            if (node.isEmpty() || !scene->setFault(node, detail)) return;
            emit activationRequested();
            selectNodes({node});
            if (NodeItem* item = scene->nodeItem(node)) m_view->centerOn(item);
            emit statusMessage(detail);
          });
}

QString faultyNode(const QString& message) {
  // The engine names nodes as `node "NAME" (Op)` (nodeLabel, engine/graph/analysis.h); the
  // first one named is where the NaN/Inf appeared.
  static const QRegularExpression re(QStringLiteral("node \"([^\"]+)\""));
  const QRegularExpressionMatch m = re.match(message);
  return m.hasMatch() ? m.captured(1) : QString();
}

QDockWidget* DesignMode::makeDock(const QString& title, const QString& name, QWidget* content) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  dock->setWidget(content);
  dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                    QDockWidget::DockWidgetFloatable);
  return dock;
}

QAction* DesignMode::addAction(QList<QAction*>& list, const QString& text,
                               const QList<QKeySequence>& keys) {
  auto* action = new QAction(text, this);
  action->setShortcuts(keys);
  list << action;
  return action;
}

void DesignMode::createActions() {
  QList<QAction*>& edit = m_actions.editMenu;
  connect(addAction(edit, tr("&Copy"), {QKeySequence(Qt::CTRL | Qt::Key_C)}), &QAction::triggered,
          m_view, &GraphView::copySelection);
  connect(addAction(edit, tr("&Paste"), {QKeySequence(Qt::CTRL | Qt::Key_V)}), &QAction::triggered,
          m_view, &GraphView::paste);
  connect(addAction(edit, tr("&Duplicate"), {QKeySequence(Qt::CTRL | Qt::Key_D)}),
          &QAction::triggered, m_view, &GraphView::duplicateSelection);
  QAction* remove = addAction(edit, tr("De&lete"),
                              {QKeySequence(Qt::Key_Delete), QKeySequence(Qt::Key_Backspace)});
  remove->setObjectName(QStringLiteral("actionDelete"));
  connect(remove, &QAction::triggered, m_view, &GraphView::deleteSelection);
  auto* separator = new QAction(this);
  separator->setSeparator(true);
  edit << separator;
  connect(addAction(edit, tr("Find in &Palette"), {QKeySequence(Qt::CTRL | Qt::Key_F)}),
          &QAction::triggered, this, [this] {
            m_paletteDock->show();
            m_paletteDock->raise();
            m_palette->focusSearch();
          });

  QList<QAction*>& view = m_actions.viewMenu;
  QAction* fit = addAction(view, tr("&Fit Graph in View"), {QKeySequence(Qt::Key_F)});
  fit->setObjectName(QStringLiteral("actionFitGraph"));
  fit->setIconText(tr("Fit"));
  // A bare letter must not fire while typing in a field: only when the canvas has focus.
  fit->setShortcutContext(Qt::WidgetWithChildrenShortcut);
  m_view->addAction(fit);
  connect(fit, &QAction::triggered, this, &DesignMode::fitAll);
  QAction* layout = addAction(view, tr("&Auto Layout"), {});
  layout->setObjectName(QStringLiteral("actionAutoLayout"));
  layout->setToolTip(tr("Lay the graph out top to bottom with Graphviz (one undo step)"));
  connect(layout, &QAction::triggered, m_view, &GraphView::autoLayout);
  m_snapAction = addAction(view, tr("&Snap to Grid"), {});
  m_snapAction->setObjectName(QStringLiteral("actionSnapToGrid"));
  m_snapAction->setCheckable(true);
  m_snapAction->setChecked(m_view->snapToGrid());
  m_snapAction->setToolTip(
      tr("Cards land on a %1-unit grid while dragged").arg(m_view->gridSize()));
  connect(m_snapAction, &QAction::toggled, m_view, &GraphView::setSnapToGrid);

  m_actions.toolBar = {fit, layout, m_snapAction};
}

QIcon DesignMode::icon() const {
  return QIcon(QStringLiteral(":/icons/mode_design.svg"));
}

QWidget* DesignMode::widget() const {
  return m_view;
}

QList<QDockWidget*> DesignMode::docks() const {
  return {m_paletteDock, m_propertiesDock, m_undoDock, m_problemsDock};
}

void DesignMode::arrangeDocks(QMainWindow* window) {
  window->addDockWidget(Qt::LeftDockWidgetArea, m_paletteDock);
  window->addDockWidget(Qt::RightDockWidgetArea, m_propertiesDock);
  window->splitDockWidget(m_propertiesDock, m_undoDock, Qt::Vertical);
  window->addDockWidget(Qt::BottomDockWidgetArea, m_problemsDock);
  window->resizeDocks({m_paletteDock, m_propertiesDock}, {200, 310}, Qt::Horizontal);
  window->resizeDocks({m_propertiesDock, m_undoDock}, {560, 110}, Qt::Vertical);
  window->resizeDocks({m_problemsDock}, {90}, Qt::Vertical);
}

void DesignMode::activate() {
  m_view->setFocus();
}

void DesignMode::saveState(QSettings& settings) const {
  settings.setValue(kSnapKey, m_snapAction->isChecked());
}

void DesignMode::restoreState(QSettings& settings) {
  m_snapAction->setChecked(settings.value(kSnapKey, true).toBool());
}

QStringList DesignMode::selectedNodes() const {
  return m_view->graphScene()->selectedNodeNames();
}

void DesignMode::selectNodes(const QStringList& nodes) {
  m_view->graphScene()->selectNodes(nodes);
}

Expected<QString> DesignMode::addOpAtViewCenter(const QString& op) {
  const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
  LOOM_ASSIGN_OR_RETURN(QString added, document()->addNode(op, centre));
  selectNodes({added});
  return added;
}

void DesignMode::fitAll() {
  m_view->fitToView();
}

}  // namespace loom::studio
