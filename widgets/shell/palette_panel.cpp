#include "widgets/shell/palette_panel.h"

#include <QDrag>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <map>

#include "engine/ops/op.h"
#include "widgets/document/document.h"

namespace loom::studio {

namespace {

constexpr int kOpRole = Qt::UserRole + 1;  // op name on leaf items; empty on category items

// Palette order: from the data to the model's head, the way a network is usually drawn.
const char* const kCategoryOrder[] = {"Input",   "Core",          "Convolution",
                                      "Pooling", "Normalization", "Activation",
                                      "Shape",   "Merge",         "Regularization"};

int categoryRank(const QString& category) {
  int rank = 0;
  for (const char* c : kCategoryOrder) {
    if (category == QLatin1String(c)) return rank;
    ++rank;
  }
  return rank;  // plugins' own categories come last, alphabetically among themselves
}

// A tree that drags ops with our MIME payload and a readable drag pixmap.
class PaletteTree : public QTreeWidget {
 public:
  using QTreeWidget::QTreeWidget;

 protected:
  void startDrag(Qt::DropActions) override {
    QTreeWidgetItem* item = currentItem();
    if (!item) return;
    const QString op = item->data(0, kOpRole).toString();
    if (op.isEmpty()) return;
    auto* drag = new QDrag(this);
    drag->setMimeData(opMimeData(op));
    const qreal dpr = devicePixelRatioF();
    const QFontMetrics fm(font());
    const QSize size(fm.horizontalAdvance(op) + 36, fm.height() + 12);
    QPixmap pixmap(size * dpr);
    pixmap.setDevicePixelRatio(dpr);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(palette().color(QPalette::Highlight));
    p.setBrush(palette().color(QPalette::Base));
    p.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1), 4, 4);
    item->icon(0).paint(&p, QRect(6, (size.height() - 16) / 2, 16, 16));
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(28, 0, size.width() - 28, size.height()), Qt::AlignVCenter, op);
    p.end();
    drag->setPixmap(pixmap);
    drag->setHotSpot(QPoint(size.width() / 2, size.height() / 2));
    drag->exec(Qt::CopyAction, Qt::CopyAction);
  }

  void keyPressEvent(QKeyEvent* event) override {
    if ((event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter) && currentItem() &&
        !currentItem()->data(0, kOpRole).toString().isEmpty()) {
      emit itemActivated(currentItem(), 0);
      return;
    }
    QTreeWidget::keyPressEvent(event);
  }
};

}  // namespace

QMimeData* opMimeData(const QString& op) {
  auto* mime = new QMimeData;
  mime->setData(QString::fromLatin1(kOpMimeType), op.toUtf8());
  mime->setText(op);  // dropping into a text field gives the name, harmless elsewhere
  return mime;
}

QString opFromMimeData(const QMimeData* mime) {
  if (!mime || !mime->hasFormat(QString::fromLatin1(kOpMimeType))) return {};
  return QString::fromUtf8(mime->data(QString::fromLatin1(kOpMimeType)));
}

QIcon categoryIcon(const QString& category) {
  static const QStringList known = {
      QStringLiteral("input"),   QStringLiteral("core"),          QStringLiteral("convolution"),
      QStringLiteral("pooling"), QStringLiteral("normalization"), QStringLiteral("activation"),
      QStringLiteral("shape"),   QStringLiteral("merge"),         QStringLiteral("regularization")};
  const QString key = category.toLower();
  const QString file = known.contains(key) ? key : QStringLiteral("other");
  return QIcon(QStringLiteral(":/icons/cat_%1.svg").arg(file));
}

PalettePanel::PalettePanel(QWidget* parent) : QWidget(parent) {
  m_search = new QLineEdit(this);
  m_search->setPlaceholderText(tr("Search ops (Ctrl+F)"));
  m_search->setClearButtonEnabled(true);
  m_search->setObjectName(QStringLiteral("paletteSearch"));

  m_tree = new PaletteTree(this);
  m_tree->setObjectName(QStringLiteral("paletteTree"));
  m_tree->setHeaderHidden(true);
  m_tree->setRootIsDecorated(true);
  m_tree->setDragEnabled(true);
  m_tree->setDragDropMode(QAbstractItemView::DragOnly);
  m_tree->setIconSize(QSize(18, 18));
  m_tree->setUniformRowHeights(true);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(m_search);
  layout->addWidget(m_tree);

  populate();
  connect(m_search, &QLineEdit::textChanged, this, &PalettePanel::applyFilter);
  // Enter in the search field adds the single visible op: search-and-place by keyboard.
  connect(m_search, &QLineEdit::returnPressed, this, [this] {
    QString only;
    int visible = 0;
    for (int c = 0; c < m_tree->topLevelItemCount(); ++c) {
      QTreeWidgetItem* group = m_tree->topLevelItem(c);
      for (int i = 0; i < group->childCount(); ++i)
        if (!group->child(i)->isHidden()) {
          ++visible;
          only = group->child(i)->data(0, kOpRole).toString();
        }
    }
    if (visible == 1) emit opActivated(only);
  });
  connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    const QString op = item ? item->data(0, kOpRole).toString() : QString();
    if (!op.isEmpty()) emit opActivated(op);
  });
}

void PalettePanel::populate() {
  std::map<std::pair<int, QString>, std::vector<const OpSchema*>> groups;
  for (const Op* op : OpRegistry::global().all()) {
    const OpSchema& s = op->schema();
    const QString category = s.category.empty() ? tr("Other") : QString::fromStdString(s.category);
    groups[{categoryRank(category), category}].push_back(&s);
  }
  for (auto& [key, schemas] : groups) {
    auto* group = new QTreeWidgetItem(m_tree, QStringList{key.second});
    group->setIcon(0, categoryIcon(key.second));
    group->setFlags(Qt::ItemIsEnabled);
    QFont bold = group->font(0);
    bold.setBold(true);
    group->setFont(0, bold);
    std::sort(schemas.begin(), schemas.end(),
              [](const OpSchema* a, const OpSchema* b) { return a->name < b->name; });
    for (const OpSchema* s : schemas) {
      const QString name = QString::fromStdString(s->name);
      auto* item = new QTreeWidgetItem(group, QStringList{name});
      item->setIcon(0, categoryIcon(key.second));
      item->setData(0, kOpRole, name);
      item->setToolTip(0, QStringLiteral("<b>%1</b> <i>(%2)</i><p>%3</p>")
                              .arg(name.toHtmlEscaped(), key.second.toHtmlEscaped(),
                                   QString::fromStdString(s->doc).toHtmlEscaped()));
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
  }
  m_tree->expandAll();
}

void PalettePanel::applyFilter(const QString& text) {
  const QString needle = text.trimmed();
  for (int c = 0; c < m_tree->topLevelItemCount(); ++c) {
    QTreeWidgetItem* group = m_tree->topLevelItem(c);
    const bool groupMatches = group->text(0).contains(needle, Qt::CaseInsensitive);
    int shown = 0;
    for (int i = 0; i < group->childCount(); ++i) {
      QTreeWidgetItem* item = group->child(i);
      const bool match = needle.isEmpty() || groupMatches ||
                         item->text(0).contains(needle, Qt::CaseInsensitive) ||
                         item->toolTip(0).contains(needle, Qt::CaseInsensitive);
      item->setHidden(!match);
      shown += match ? 1 : 0;
    }
    group->setHidden(shown == 0);
    if (shown > 0) group->setExpanded(true);
  }
}

void PalettePanel::focusSearch() {
  m_search->setFocus(Qt::ShortcutFocusReason);
  m_search->selectAll();
}

QTreeWidgetItem* PalettePanel::itemForOp(const QString& op) const {
  for (int c = 0; c < m_tree->topLevelItemCount(); ++c) {
    QTreeWidgetItem* group = m_tree->topLevelItem(c);
    for (int i = 0; i < group->childCount(); ++i)
      if (group->child(i)->data(0, kOpRole).toString() == op) return group->child(i);
  }
  return nullptr;
}

}  // namespace loom::studio
