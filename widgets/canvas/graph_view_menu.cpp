// GraphView's node context menu (graph_view.h): the transfer-learning edits of the Design mode.
#include <QContextMenuEvent>
#include <QInputDialog>
#include <QMenu>

#include "widgets/canvas/graph_view.h"

namespace loom::studio {

QMenu* GraphView::nodeContextMenu(const QString& name) {
  auto* menu = new QMenu(this);
  menu->setObjectName(QStringLiteral("nodeContextMenu"));
  auto report = [this](const Status& st) {
    if (!st) showMessage(QString::fromStdString(st.message()));
  };
  QAction* freeze = menu->addAction(tr("Freeze up to Here"));
  freeze->setObjectName(QStringLiteral("actionFreezeUpToHere"));
  freeze->setToolTip(tr("Keep %1 and every node before it as they are while training "
                        "(training.freeze_until)")
                         .arg(name));
  connect(freeze, &QAction::triggered, this,
          [this, name, report] { report(m_doc->setFreezeUntil(name)); });
  QAction* unfreeze = menu->addAction(tr("Unfreeze All"));
  unfreeze->setObjectName(QStringLiteral("actionUnfreeze"));
  unfreeze->setEnabled(!m_doc->model().training.freeze_until().empty());
  connect(unfreeze, &QAction::triggered, this,
          [this, report] { report(m_doc->setFreezeUntil({})); });
  menu->addSeparator();
  QAction* cut = menu->addAction(tr("Cut after Here"));
  cut->setObjectName(QStringLiteral("actionCutAfterHere"));
  connect(cut, &QAction::triggered, this, [this, name, report] { report(m_doc->cutAfter(name)); });
  QAction* head = menu->addAction(tr("Append Head…"));
  head->setObjectName(QStringLiteral("actionAppendHead"));
  connect(head, &QAction::triggered, this, [this, report] {
    auto* dialog = new QInputDialog(this);
    dialog->setObjectName(QStringLiteral("appendHeadDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Append Head"));
    dialog->setLabelText(tr("Classes of the new Dense head:"));
    dialog->setInputMode(QInputDialog::IntInput);
    dialog->setIntRange(1, 1 << 20);
    dialog->setIntValue(10);
    connect(dialog, &QInputDialog::intValueSelected, this,
            [this, report](int classes) { report(m_doc->appendHead(classes)); });
    dialog->open();
  });
  return menu;
}

void GraphView::contextMenuEvent(QContextMenuEvent* event) {
  NodeItem* item = nodeAt(event->pos());
  if (!item) {
    QGraphicsView::contextMenuEvent(event);
    return;
  }
  QMenu* menu = nodeContextMenu(item->name());
  menu->setAttribute(Qt::WA_DeleteOnClose);
  menu->popup(event->globalPos());  // not exec(): the event loop goes on (tests drive it)
  event->accept();
}

}  // namespace loom::studio
