// DesignMode: the graph editor — the node canvas (widgets/canvas/graph_view.h) in the centre,
// with the Palette, Properties, Undo History and Problems docks (widgets/shell/*_panel.h).
//
// Every panel edits through the Document and listens to it; the mode only wires them: a
// palette double-click adds the op at the middle of the view, the canvas selection drives
// Properties, a Problems row selects and centres its node, a rename keeps the node selected.
// After a model is opened (Document::modelReset) the view fits the graph.
//
// Actions: Edit → Copy, Paste, Duplicate, Delete, Find in Palette; View and the Design toolbar →
// Fit Graph in View (F while the canvas has focus), Auto Layout (Graphviz, one undo step), Snap
// to Grid. Saved state (QSettings group "modes/design"): snapToGrid.
#pragma once

#include "engine/core/status.h"
#include "widgets/modes/studio_mode.h"

class QDockWidget;
class QUndoView;

namespace loom::studio {

class GraphView;
class PalettePanel;
class ProblemsPanel;
class PropertiesPanel;

class DesignMode : public StudioMode {
  Q_OBJECT

 public:
  DesignMode(const ModeContext& context, QObject* parent = nullptr);

  QString id() const override { return QStringLiteral("design"); }
  QString title() const override { return tr("Design"); }
  QIcon icon() const override;
  QString toolTip() const override { return tr("Design: edit the network graph"); }
  QWidget* widget() const override;
  QList<QDockWidget*> docks() const override;
  void arrangeDocks(QMainWindow* window) override;
  ModeActions actions() const override { return m_actions; }
  void activate() override;
  void saveState(QSettings& settings) const override;
  void restoreState(QSettings& settings) override;

  GraphView* view() const { return m_view; }
  PalettePanel* palettePanel() const { return m_palette; }
  PropertiesPanel* propertiesPanel() const { return m_properties; }
  ProblemsPanel* problemsPanel() const { return m_problems; }

  /// Names of the selected nodes, in graph order.
  QStringList selectedNodes() const;
  /// Selects exactly `nodes` (unknown names are ignored).
  void selectNodes(const QStringList& nodes);
  /// Adds a node of `op` at the middle of the visible canvas and selects it.
  Expected<QString> addOpAtViewCenter(const QString& op);
  /// Zooms and scrolls so the whole graph is visible.
  void fitAll();

 private:
  QDockWidget* makeDock(const QString& title, const QString& name, QWidget* content);
  void createActions();
  /// Live node badges, gradient-coloured edges and the NaN/Inf fault from the TrainSession.
  void connectTraining();
  QAction* addAction(QList<QAction*>& list, const QString& text, const QList<QKeySequence>& keys);

  GraphView* m_view;
  PalettePanel* m_palette;
  PropertiesPanel* m_properties;
  QUndoView* m_undoView;
  ProblemsPanel* m_problems;
  QDockWidget* m_paletteDock;
  QDockWidget* m_propertiesDock;
  QDockWidget* m_undoDock;
  QDockWidget* m_problemsDock;
  QAction* m_snapAction = nullptr;
  ModeActions m_actions;
};

/// The node a NaN/Inf message of the engine names first (`node "NAME" (Op)`), or empty.
QString faultyNode(const QString& message);

/// The ModeFactory of Design (listed in widgets/modes/sources.cmake).
StudioMode* createDesignMode(const ModeContext& context, QObject* parent);

}  // namespace loom::studio
