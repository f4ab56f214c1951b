// Help → Keyboard Shortcuts: a table generated from the window's actions, so it can never
// disagree with the shortcuts that actually work.
#pragma once

#include <QDialog>
#include <QList>

class QAction;
class QTableWidget;

namespace loom::studio {

class ShortcutsDialog : public QDialog {
  Q_OBJECT

 public:
  /// One row per action that has a shortcut, in the given order.
  explicit ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);
  QTableWidget* table() const { return m_table; }

 private:
  QTableWidget* m_table;
};

}  // namespace loom::studio
