// PalettePanel: every registered op, grouped by OpSchema::category, to drag onto the canvas.
//
// Ops come from OpRegistry::global() (plugins included). Each op shows its category's icon
// and the schema doc as tooltip. Dragging an op starts a QDrag carrying opMimeData(); a
// double-click (or Enter) emits opActivated() and the main window adds the op at the
// centre of the view. The search field filters by op name, category and doc text.
#pragma once

#include <QIcon>
#include <QString>
#include <QWidget>

class QLineEdit;
class QMimeData;
class QTreeWidget;
class QTreeWidgetItem;

namespace loom::studio {

/// The drag payload for one op: MIME type kOpMimeType (document.h), the op name in UTF-8.
/// Caller owns the result (QDrag takes it).
QMimeData* opMimeData(const QString& op);
/// The op name carried by `mime`, or an empty string if it holds no palette op.
QString opFromMimeData(const QMimeData* mime);
/// The palette icon of an op category ("Convolution", ...); a generic icon for unknown ones.
QIcon categoryIcon(const QString& category);

class PalettePanel : public QWidget {
  Q_OBJECT

 public:
  explicit PalettePanel(QWidget* parent = nullptr);

  QLineEdit* searchField() const { return m_search; }
  QTreeWidget* tree() const { return m_tree; }
  /// Focuses and selects the search text (Ctrl+F).
  void focusSearch();
  /// The tree item of `op`, or null (tests).
  QTreeWidgetItem* itemForOp(const QString& op) const;

 signals:
  /// The user double-clicked (or pressed Enter on) an op.
  void opActivated(const QString& op);

 private:
  void populate();
  void applyFilter(const QString& text);
  QLineEdit* m_search = nullptr;
  QTreeWidget* m_tree = nullptr;
};

}  // namespace loom::studio
