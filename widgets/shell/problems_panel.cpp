#include "widgets/shell/problems_panel.h"

#include <QHeaderView>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "widgets/document/document.h"

namespace loom::studio {

ProblemsPanel::ProblemsPanel(Document* document, QWidget* parent)
    : QWidget(parent), m_doc(document), m_list(new QTreeWidget(this)) {
  m_list->setObjectName(QStringLiteral("problemsList"));
  m_list->setColumnCount(2);
  m_list->setHeaderLabels({tr("Node"), tr("Problem")});
  m_list->setRootIsDecorated(false);
  m_list->setUniformRowHeights(true);
  m_list->setWordWrap(false);
  m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  m_list->header()->setStretchLastSection(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_list);

  auto activate = [this](QTreeWidgetItem* item) {
    const QString node = item ? item->data(0, Qt::UserRole).toString() : QString();
    if (!node.isEmpty()) emit nodeActivated(node);
  };
  connect(m_list, &QTreeWidget::itemClicked, this, activate);
  connect(m_list, &QTreeWidget::itemActivated, this, activate);
  connect(m_doc, &Document::analysisUpdated, this, &ProblemsPanel::refresh);
  connect(m_doc, &Document::modelReset, this, &ProblemsPanel::refresh);
  refresh();
}

int ProblemsPanel::problemCount() const {
  return m_list->topLevelItemCount();
}

void ProblemsPanel::refresh() {
  const Graph& graph = m_doc->graph();
  const GraphAnalysis& analysis = m_doc->analysis();
  m_list->clear();
  const QIcon icon = style()->standardIcon(QStyle::SP_MessageBoxWarning);
  // Only an analysis of the current graph is listed (its indices match graph()); a newer
  // one is on its way after every edit.
  const bool aligned = m_doc->isAnalysisCurrent() && analysis.nodes.size() == graph.nodes().size();
  std::vector<int> order;
  if (aligned) {
    order = analysis.order;
    if (order.size() != graph.nodes().size()) {  // broken structure: file order
      order.clear();
      for (int i = 0; i < static_cast<int>(graph.nodes().size()); ++i) order.push_back(i);
    }
  }
  bool anyNode = false;
  for (int index : order) {
    const NodeAnalysis& a = analysis.nodes[static_cast<std::size_t>(index)];
    if (a.status.isOk()) continue;
    const QString name =
        QString::fromStdString(graph.nodes()[static_cast<std::size_t>(index)].name);
    auto* item = new QTreeWidgetItem(m_list, {name, QString::fromStdString(a.status.message())});
    item->setIcon(0, icon);
    item->setData(0, Qt::UserRole, name);
    item->setToolTip(1, item->text(1));
    anyNode = true;
  }
  if (aligned && !anyNode && !graph.nodes().empty() && !analysis.status.isOk()) {
    auto* item = new QTreeWidgetItem(
        m_list, {tr("(graph)"), QString::fromStdString(analysis.status.message())});
    item->setIcon(0, icon);
    item->setToolTip(1, item->text(1));
  }
  emit problemCountChanged(problemCount());
}

}  // namespace loom::studio
