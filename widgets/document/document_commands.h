// The undo command behind every Document edit.
//
// Each command stores the whole graph before and after the edit and hands one or the other
// to Document::applyGraph(). Graphs are small (a 5,000-node graph copies in well under a
// millisecond), and a full snapshot makes undo exact by construction: undoing restores the
// very bytes the file had, with no inverse-operation logic that could drift.
#pragma once

#include <QStringList>
#include <QUndoCommand>

#include "engine/graph/graph.h"

namespace loom::studio {

class Document;

class GraphEditCommand : public QUndoCommand {
 public:
  /// Command id for node moves: consecutive moves of the same node set merge.
  static constexpr int kMoveId = 1;

  GraphEditCommand(Document* doc, const QString& text, Graph before, Graph after,
                   QStringList changed, int mergeId);

  void undo() override;
  void redo() override;
  int id() const override { return m_mergeId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  Document* m_doc;
  Graph m_before;
  Graph m_after;
  QStringList m_changed;  // sorted, so merge compares node sets
  int m_mergeId;
};

}  // namespace loom::studio
