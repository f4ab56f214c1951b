// ProblemsPanel: one row per invalid node with the engine's message (from Document::analysis()).
//
// Rows follow the graph's topological order so the root cause comes first; a structural
// problem that belongs to no single node (a cycle, an empty graph) gets a row of its own.
// Activating a row (click or Enter) emits nodeActivated(); the main window selects and
// centres that node on the canvas.
#pragma once

#include <QWidget>

class QTreeWidget;

namespace loom::studio {

class Document;

class ProblemsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ProblemsPanel(Document* document, QWidget* parent = nullptr);

  /// Number of rows (problems) shown now.
  int problemCount() const;
  QTreeWidget* list() const { return m_list; }

 signals:
  void nodeActivated(const QString& node);
  /// Emitted with the new count whenever the list is refreshed (for the dock title).
  void problemCountChanged(int count);

 private:
  void refresh();
  Document* m_doc;
  QTreeWidget* m_list;
};

}  // namespace loom::studio
