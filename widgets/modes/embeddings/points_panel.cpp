#include "widgets/modes/embeddings/points_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTimer>
#include <QVBoxLayout>

namespace loom::studio {

namespace {
QIcon swatch(const QColor& color) {
  QPixmap pixmap(12, 12);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  p.setBrush(color);
  p.setPen(color.darker(130));
  p.drawEllipse(QRectF(1, 1, 10, 10));
  return QIcon(pixmap);
}
}  // namespace

PointsPanel::PointsPanel(QWidget* parent)
    : QWidget(parent),
      m_track(new QComboBox),
      m_color(new QComboBox),
      m_legend(new QListWidget),
      m_searchColumn(new QComboBox),
      m_search(new QLineEdit),
      m_matches(new QLabel),
      m_selection(new QLabel),
      m_selectMatches(new QPushButton(tr("Select Matches"))),
      m_clear(new QPushButton(tr("Clear Selection"))),
      m_searchDelay(new QTimer(this)) {
  m_track->setObjectName(QStringLiteral("embeddingsTrack"));
  m_color->setObjectName(QStringLiteral("embeddingsColorBy"));
  m_legend->setObjectName(QStringLiteral("embeddingsLegend"));
  m_searchColumn->setObjectName(QStringLiteral("embeddingsSearchColumn"));
  m_search->setObjectName(QStringLiteral("embeddingsSearch"));
  m_search->setPlaceholderText(tr("regular expression, e.g. ^(Shirt|T-shirt)"));
  m_search->setClearButtonEnabled(true);
  m_legend->setSelectionMode(QAbstractItemView::NoSelection);
  m_legend->setMinimumHeight(120);
  m_searchDelay->setSingleShot(true);
  m_searchDelay->setInterval(150);

  auto* form = new QFormLayout;
  form->addRow(tr("Layout:"), m_track);
  form->addRow(tr("Colour by:"), m_color);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_legend, 1);
  auto* search = new QFormLayout;
  search->addRow(tr("Search:"), m_search);
  search->addRow(tr("In:"), m_searchColumn);
  search->addRow(QString(), m_matches);
  layout->addLayout(search);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(m_selectMatches);
  buttons->addWidget(m_clear);
  layout->addLayout(buttons);
  layout->addWidget(m_selection);

  connect(m_track, &QComboBox::currentIndexChanged, this, &PointsPanel::trackChosen);
  connect(m_color, &QComboBox::currentIndexChanged, this,
          [this](int i) { emit colorColumnChosen(m_color->itemData(i).toInt()); });
  connect(m_search, &QLineEdit::textChanged, m_searchDelay, qOverload<>(&QTimer::start));
  connect(m_searchColumn, &QComboBox::currentIndexChanged, m_searchDelay,
          qOverload<>(&QTimer::start));
  connect(m_searchDelay, &QTimer::timeout, this,
          [this] { emit searchChanged(m_searchColumn->currentData().toInt(), m_search->text()); });
  connect(m_selectMatches, &QPushButton::clicked, this, &PointsPanel::selectMatchesClicked);
  connect(m_clear, &QPushButton::clicked, this, &PointsPanel::clearSelectionClicked);
  setSelectionCount(0, 0);
}

void PointsPanel::setTracks(const QStringList& names, int current) {
  const QSignalBlocker block(m_track);
  m_track->clear();
  m_track->addItems(names);
  m_track->setCurrentIndex(current);
}

void PointsPanel::setColumns(const QStringList& columns, int current) {
  const QSignalBlocker block(m_color), block2(m_searchColumn);
  m_color->clear();
  m_color->addItem(tr("(one colour)"), -1);
  m_searchColumn->clear();
  m_searchColumn->addItem(tr("any column"), -1);
  for (int c = 0; c < columns.size(); ++c) {
    m_color->addItem(columns[c], c);
    m_searchColumn->addItem(columns[c], c);
  }
  m_color->setCurrentIndex(m_color->findData(current));
}

void PointsPanel::setLegend(const std::vector<LegendEntry>& legend, bool numeric) {
  m_legend->clear();
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const auto& e = legend[i];
    QString text = e.text;
    if (numeric)
      text = (i == 0 ? tr("min %1") : tr("max %1")).arg(e.text);
    else
      text = QStringLiteral("%1  (%2)").arg(e.text).arg(e.count);
    new QListWidgetItem(swatch(e.color), text, m_legend);
  }
}

void PointsPanel::setMatchCount(std::int64_t matches, std::int64_t total) {
  m_matches->setStyleSheet(QString());
  m_matches->setText(
      m_search->text().isEmpty() ? QString() : tr("%1 of %2 points match").arg(matches).arg(total));
  m_selectMatches->setEnabled(matches > 0);
}

void PointsPanel::setSearchError(const QString& message) {
  m_matches->setStyleSheet(QStringLiteral("color: #c0392b;"));
  m_matches->setText(message);
  m_selectMatches->setEnabled(false);
}

void PointsPanel::setSelectionCount(std::int64_t selected, std::int64_t total) {
  m_selection->setText(selected > 0 ? tr("%1 of %2 points selected").arg(selected).arg(total)
                                    : tr("No selection (lasso: Shift+drag or the Lasso tool)"));
  m_clear->setEnabled(selected > 0);
}

}  // namespace loom::studio
