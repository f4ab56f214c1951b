#include "widgets/shell/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace loom::studio {

ShortcutsDialog::ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent)
    : QDialog(parent), m_table(new QTableWidget(this)) {
  setWindowTitle(tr("Keyboard Shortcuts"));
  m_table->setObjectName(QStringLiteral("shortcutsTable"));
  m_table->setColumnCount(2);
  m_table->setHorizontalHeaderLabels({tr("Action"), tr("Shortcut")});
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionMode(QAbstractItemView::NoSelection);
  m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  for (QAction* action : actions) {
    if (action->shortcuts().isEmpty()) continue;
    QStringList keys;
    for (const QKeySequence& k : action->shortcuts()) keys << k.toString(QKeySequence::NativeText);
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    QString text = action->text();
    text.remove(QLatin1Char('&'));
    if (text.endsWith(QStringLiteral("..."))) text.chop(3);
    if (text.endsWith(QChar(0x2026))) text.chop(1);
    m_table->setItem(row, 0, new QTableWidgetItem(text));
    m_table->setItem(row, 1, new QTableWidgetItem(keys.join(QStringLiteral("  or  "))));
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_table);
  layout->addWidget(buttons);
  resize(460, 480);
}

}  // namespace loom::studio
