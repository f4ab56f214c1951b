// The undo commands behind every Document edit.
//
// Each command stores the whole graph (or the whole training settings, or both) before and after
// the edit and hands one or the other to Document::applyGraph() (applyTrainingSettings()). Graphs
// are small (a 5,000-node graph copies in well under a millisecond), and a full snapshot makes undo
// exact by construction: undoing restores the very bytes the file had, with no inverse-operation
// logic that could drift.
#pragma once

#include <QStringList>
#include <QUndoCommand>

#include "engine/graph/graph.h"
#include "engine/proto/loom.pb.h"

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

/// Document::setTrainingSettings(): the training and dataset settings before and after.
class TrainingSettingsCommand : public QUndoCommand {
 public:
  TrainingSettingsCommand(Document* doc, const QString& text, pb::TrainingConfig beforeTraining,
                          pb::DatasetConfig beforeDataset, pb::TrainingConfig afterTraining,
                          pb::DatasetConfig afterDataset);

  void undo() override;
  void redo() override;

 private:
  Document* m_doc;
  pb::TrainingConfig m_beforeTraining, m_afterTraining;
  pb::DatasetConfig m_beforeDataset, m_afterDataset;
};

/// Document::restoreAutosave(): the graph and the training and dataset settings of the file on
/// disk (before) and of the autosave (after), swapped as one step.
class RestoreAutosaveCommand : public QUndoCommand {
 public:
  struct State {
    Graph graph;
    pb::TrainingConfig training;
    pb::DatasetConfig dataset;
  };
  RestoreAutosaveCommand(Document* doc, const QString& text, State before, State after);

  void undo() override;
  void redo() override;

 private:
  void apply(const State& state);
  Document* m_doc;
  State m_before, m_after;
};

}  // namespace loom::studio
