#include "widgets/document/document_commands.h"

#include "widgets/document/document.h"

namespace loom::studio {

GraphEditCommand::GraphEditCommand(Document* doc, const QString& text, Graph before, Graph after,
                                   QStringList changed, int mergeId)
    : QUndoCommand(text),
      m_doc(doc),
      m_before(std::move(before)),
      m_after(std::move(after)),
      m_changed(std::move(changed)),
      m_mergeId(mergeId) {
  m_changed.sort();
}

void GraphEditCommand::undo() {
  m_doc->applyGraph(m_before, m_changed);
}

void GraphEditCommand::redo() {
  m_doc->applyGraph(m_after, m_changed);
}

bool GraphEditCommand::mergeWith(const QUndoCommand* other) {
  const auto* o = dynamic_cast<const GraphEditCommand*>(other);
  if (!o || o->m_mergeId != m_mergeId || o->m_changed != m_changed) return false;
  m_after = o->m_after;
  // A drag that ends where it started leaves nothing to undo.
  setObsolete(m_after == m_before);
  return true;
}

TrainingSettingsCommand::TrainingSettingsCommand(Document* doc, const QString& text,
                                                 pb::TrainingConfig beforeTraining,
                                                 pb::DatasetConfig beforeDataset,
                                                 pb::TrainingConfig afterTraining,
                                                 pb::DatasetConfig afterDataset)
    : QUndoCommand(text),
      m_doc(doc),
      m_beforeTraining(std::move(beforeTraining)),
      m_afterTraining(std::move(afterTraining)),
      m_beforeDataset(std::move(beforeDataset)),
      m_afterDataset(std::move(afterDataset)) {}

void TrainingSettingsCommand::undo() {
  m_doc->applyTrainingSettings(m_beforeTraining, m_beforeDataset);
}

void TrainingSettingsCommand::redo() {
  m_doc->applyTrainingSettings(m_afterTraining, m_afterDataset);
}

RestoreAutosaveCommand::RestoreAutosaveCommand(Document* doc, const QString& text, State before,
                                               State after)
    : QUndoCommand(text), m_doc(doc), m_before(std::move(before)), m_after(std::move(after)) {}

void RestoreAutosaveCommand::undo() {
  apply(m_before);
}

void RestoreAutosaveCommand::redo() {
  apply(m_after);
}

void RestoreAutosaveCommand::apply(const State& state) {
  m_doc->applyTrainingSettings(state.training, state.dataset);
  m_doc->applyGraph(state.graph, {});
}

}  // namespace loom::studio
