// Document edits for transfer learning (document.h): freeze up to a node, cut after a node,
// append a head. The surgery and the frozen set are the engine's (engine/graph/transfer.h).
#include "engine/graph/transfer.h"
#include "widgets/document/document.h"
#include "widgets/document/document_commands.h"

namespace loom::studio {

Status Document::setFreezeUntil(const QString& node) {
  const std::string name = node.toStdString();
  if (!name.empty()) LOOM_RETURN_IF_ERROR(checkNodeName(m_model.graph, name, "freeze up to"));
  if (name == m_model.training.freeze_until()) return Status::ok();  // no edit
  pb::TrainingConfig training = m_model.training;
  training.set_freeze_until(name);
  LOOM_RETURN_IF_ERROR(validateTrainingSettings(training, m_model.dataset));
  // setTrainingSettings() with the step named after what it does, for the Undo History.
  m_undo.push(new TrainingSettingsCommand(
      this, name.empty() ? tr("Unfreeze all") : tr("Freeze up to %1").arg(node), m_model.training,
      m_model.dataset, training, m_model.dataset));
  return Status::ok();
}

QStringList Document::frozenNodes() const {
  QStringList names;
  for (const std::string& n : ancestorsOf(m_model.graph, m_model.training.freeze_until()))
    names << QString::fromStdString(n);
  return names;
}

Status Document::cutAfter(const QString& node) {
  LOOM_ASSIGN_OR_RETURN(Graph cut, loom::cutAfter(m_model.graph, node.toStdString()));
  pushEdit(tr("Cut after %1").arg(node), std::move(cut), {});
  return Status::ok();
}

Status Document::appendHead(int classes) {
  HeadOptions head;
  head.classes = classes;
  LOOM_ASSIGN_OR_RETURN(Graph g, loom::appendHead(m_model.graph, head));
  pushEdit(tr("Append a head of %1 classes").arg(classes), std::move(g), {});
  return Status::ok();
}

}  // namespace loom::studio
