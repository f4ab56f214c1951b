#include "widgets/modes/train/confusion_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QScrollBar>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "engine/train/event_log.h"
#include "widgets/modes/train/run_store.h"

namespace loom::studio {

namespace {

const QString kPrefix = QString::fromLatin1(loom::event_tags::kConfusion);

/// Linear blend of two colours, t in [0, 1].
QColor blend(const QColor& a, const QColor& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                          float(a.greenF() + (b.greenF() - a.greenF()) * t),
                          float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

/// Readable text on `fill`: black on light, white on dark.
QColor textOn(const QColor& fill) {
  const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
  return luminance > 0.55 ? QColor(Qt::black) : QColor(Qt::white);
}

// Correct predictions (the diagonal) in blue, confusions in red: both by their share of the
// row, so a class's mistakes stand out whatever its size.
const QColor kRight(0x2b, 0x6c, 0xb0);
const QColor kWrong(0xc0, 0x39, 0x2b);

}  // namespace

// ---------------------------------------------------------------- ConfusionMatrixView

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("confusionMatrix"));
  setMouseTracking(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ConfusionMatrixView::setMatrix(const QStringList& classes, const QVector<qint64>& counts) {
  const int n = classes.size();
  if (counts.size() != n * n) {
    m_classes.clear();
    m_counts.clear();
    m_rowSums.clear();
  } else {
    m_classes = classes;
    m_counts = counts;
    m_rowSums.fill(0, n);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) m_rowSums[r] += counts[r * n + c];
  }
  update();
}

qint64 ConfusionMatrixView::count(int row, int column) const {
  const int n = m_classes.size();
  if (row < 0 || column < 0 || row >= n || column >= n) return 0;
  return m_counts[row * n + column];
}

double ConfusionMatrixView::rowFraction(int row, int column) const {
  if (row < 0 || row >= m_rowSums.size() || m_rowSums[row] <= 0) return 0;
  return double(count(row, column)) / double(m_rowSums[row]);
}

QColor ConfusionMatrixView::cellColour(int row, int column) const {
  const double f = rowFraction(row, column);
  const QColor base = palette().color(QPalette::Base);
  // sqrt: a 5 % confusion is still visible next to a 90 % diagonal.
  return blend(base, row == column ? kRight : kWrong, std::sqrt(f));
}

ConfusionMatrixView::Geometry ConfusionMatrixView::geometry() const {
  const QFontMetricsF fm(font());
  double label = 0;
  for (const QString& c : m_classes) label = std::max(label, fm.horizontalAdvance(c));
  const double title = fm.height() + 6;
  const double left = title + label + 8, top = title + label + 8;
  const int n = std::max(1, int(m_classes.size()));
  const double cell = std::max(4.0, std::min((width() - left - 8) / n, (height() - top - 8) / n));
  return {QRectF(left, top, cell * n, cell * n), cell};
}

QPoint ConfusionMatrixView::cellAt(const QPointF& pos) const {
  const Geometry g = geometry();
  if (m_classes.isEmpty() || !g.grid.contains(pos)) return {-1, -1};
  const int n = m_classes.size();
  const int column = std::min(n - 1, int((pos.x() - g.grid.left()) / g.cell));
  const int row = std::min(n - 1, int((pos.y() - g.grid.top()) / g.cell));
  return {row, column};
}

void ConfusionMatrixView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::TextAntialiasing);
  p.fillRect(rect(), palette().color(QPalette::Window));
  if (m_classes.isEmpty()) return;
  const Geometry g = geometry();
  const int n = m_classes.size();
  const QFontMetricsF fm(font());
  const QColor text = palette().color(QPalette::WindowText);

  // Axis titles: "predicted" over the columns, "true" beside the rows.
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.setPen(text);
  p.drawText(QRectF(g.grid.left(), 0, g.grid.width(), fm.height() + 4), Qt::AlignCenter,
             tr("predicted class"));
  p.save();
  p.translate(0, g.grid.top() + g.grid.height() / 2);
  p.rotate(-90);
  p.drawText(QRectF(-g.grid.height() / 2, 0, g.grid.height(), fm.height() + 4), Qt::AlignCenter,
             tr("true class"));
  p.restore();
  p.setFont(font());

  // Class labels: rows to the left, columns upright above.
  for (int k = 0; k < n; ++k) {
    const double at = k * g.cell;
    p.drawText(QRectF(0, g.grid.top() + at, g.grid.left() - 6, g.cell),
               Qt::AlignRight | Qt::AlignVCenter, m_classes[k]);
    p.save();
    p.translate(g.grid.left() + at, g.grid.top() - 6);
    p.rotate(-90);
    p.drawText(QRectF(0, 0, g.grid.top() - fm.height() - 10, g.cell),
               Qt::AlignLeft | Qt::AlignVCenter, m_classes[k]);
    p.restore();
  }

  // Cells: the colour by row share, the count, and the share when there is room.
  QFont cellFont = font();
  const double countPx = std::clamp(g.cell * 0.32, 6.0, fm.height() * 1.1);
  cellFont.setPixelSize(int(countPx));
  QFont smallFont = cellFont;
  smallFont.setPixelSize(std::max(6, int(countPx * 0.75)));
  const bool roomForShare = g.cell >= 3.2 * countPx;
  const QColor gridPen = palette().color(QPalette::Mid);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const QRectF cell(g.grid.left() + c * g.cell, g.grid.top() + r * g.cell, g.cell, g.cell);
      const QColor fill = cellColour(r, c);
      p.fillRect(cell, fill);
      p.setPen(QPen(gridPen, 0.5));
      p.drawRect(cell);
      const qint64 v = count(r, c);
      p.setPen(v == 0 ? blend(fill, textOn(fill), 0.35) : textOn(fill));
      if (roomForShare && v > 0) {
        p.setFont(cellFont);
        p.drawText(cell.adjusted(0, 0, 0, -g.cell * 0.25), Qt::AlignCenter, QString::number(v));
        p.setFont(smallFont);
        p.drawText(cell.adjusted(0, g.cell * 0.45, 0, 0), Qt::AlignCenter,
                   QStringLiteral("%1 %").arg(100 * rowFraction(r, c), 0, 'f', 1));
      } else {
        p.setFont(cellFont);
        p.drawText(cell, Qt::AlignCenter, QString::number(v));
      }
    }
  }
  p.setPen(QPen(text, 1));
  p.setBrush(Qt::NoBrush);
  p.drawRect(g.grid);
}

bool ConfusionMatrixView::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const QPoint rc = cellAt(help->pos());
    if (rc.x() < 0) {
      QToolTip::hideText();
      e->ignore();
      return true;
    }
    const int r = rc.x(), c = rc.y();
    QToolTip::showText(help->globalPos(),
                       tr("true %1, predicted %2: %3 of %4 (%5 % of the row)")
                           .arg(m_classes[r], m_classes[c])
                           .arg(count(r, c))
                           .arg(m_rowSums[r])
                           .arg(100 * rowFraction(r, c), 0, 'f', 1),
                       this);
    return true;
  }
  return QWidget::event(e);
}

// ---------------------------------------------------------------- ConfusionPanel

ConfusionPanel::ConfusionPanel(RunStore* store, QWidget* parent)
    : QWidget(parent),
      m_store(store),
      m_runs(new QComboBox),
      m_tags(new QComboBox),
      m_slider(new QSlider(Qt::Horizontal)),
      m_epochLabel(new QLabel),
      m_message(new QLabel),
      m_accuracy(new QLabel),
      m_matrix(new ConfusionMatrixView),
      m_table(new QTableWidget(0, 5)) {
  m_runs->setObjectName(QStringLiteral("confusionRun"));
  m_runs->setMinimumContentsLength(20);
  m_tags->setObjectName(QStringLiteral("confusionSplit"));
  m_tags->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_tags->setMinimumContentsLength(10);
  m_slider->setObjectName(QStringLiteral("confusionEpoch"));
  m_slider->setPageStep(1);
  m_epochLabel->setObjectName(QStringLiteral("confusionEpochLabel"));
  m_epochLabel->setMinimumWidth(170);
  m_message->setAlignment(Qt::AlignCenter);
  m_message->setWordWrap(true);
  m_accuracy->setObjectName(QStringLiteral("confusionAccuracy"));
  m_table->setObjectName(QStringLiteral("confusionTable"));
  m_table->setHorizontalHeaderLabels(
      {tr("Class"), tr("Precision"), tr("Recall"), tr("F1"), tr("Support")});
  m_table->verticalHeader()->setVisible(false);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(false);
  m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Run")));
  controls->addWidget(m_runs, 1);
  controls->addWidget(new QLabel(tr("Split")));
  controls->addWidget(m_tags);
  controls->addWidget(new QLabel(tr("Epoch")));
  controls->addWidget(m_slider, 2);
  controls->addWidget(m_epochLabel);
  auto* right = new QWidget;
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  rightLayout->addWidget(m_accuracy);
  rightLayout->addWidget(m_table, 1);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(m_matrix);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(m_message);
  layout->addWidget(split, 1);

  connect(m_runs, &QComboBox::currentIndexChanged, this, [this] {
    syncTags();
    syncSlider();
    showEntry();
  });
  connect(m_tags, &QComboBox::currentIndexChanged, this, [this] {
    syncSlider();
    showEntry();
  });
  connect(m_slider, &QSlider::valueChanged, this, &ConfusionPanel::showEntry);
  connect(store, &RunStore::textsChanged, this, &ConfusionPanel::queueSync);
  connect(store, &RunStore::runsReset, this, &ConfusionPanel::queueSync);
  connect(store, &RunStore::runAdded, this, &ConfusionPanel::queueSync);
  queueSync();
}

void ConfusionPanel::queueSync() {
  if (m_syncQueued) return;
  m_syncQueued = true;
  QTimer::singleShot(0, this, [this] {
    m_syncQueued = false;
    syncRuns();
    syncTags();
    syncSlider();
    showEntry();
  });
}

void ConfusionPanel::setVisibleRuns(const QSet<int>& runs) {
  m_visible = runs;
  queueSync();
}

bool ConfusionPanel::hasConfusion(int run) const {
  const auto& texts = m_store->run(run).texts;
  for (auto it = texts.begin(); it != texts.end(); ++it)
    if (it.key().startsWith(kPrefix) && !it->isEmpty()) return true;
  return false;
}

void ConfusionPanel::syncRuns() {
  const QString current = m_runs->currentData(Qt::UserRole + 1).toString();
  QVector<int> runs;
  for (int r = 0; r < m_store->count(); ++r)
    if (shows(r) && hasConfusion(r)) runs.append(r);
  m_runs->blockSignals(true);
  m_runs->clear();
  int select = -1, live = -1;
  for (int r : runs) {
    const RunRecord& rec = m_store->run(r);
    m_runs->addItem(rec.name, r);
    m_runs->setItemData(m_runs->count() - 1, rec.dir, Qt::UserRole + 1);
    m_runs->setItemData(m_runs->count() - 1, rec.colour, Qt::DecorationRole);
    if (rec.dir == current) select = m_runs->count() - 1;
    if (rec.live) live = m_runs->count() - 1;
  }
  // Keep the run shown; else the studio's own run; else the newest listed.
  if (select < 0) select = live >= 0 ? live : m_runs->count() - 1;
  m_runs->setCurrentIndex(select);
  m_runs->blockSignals(false);
}

void ConfusionPanel::syncTags() {
  const QString current = m_tags->currentData().toString();
  QStringList tags;
  if (run() >= 0) {
    const auto& texts = m_store->run(run()).texts;
    for (auto it = texts.begin(); it != texts.end(); ++it)
      if (it.key().startsWith(kPrefix) && !it->isEmpty()) tags << it.key();
  }
  tags.sort();
  // Validation first: it has a matrix per epoch.
  const QString validation = kPrefix + QStringLiteral("validation");
  if (tags.removeOne(validation)) tags.prepend(validation);
  m_tags->blockSignals(true);
  m_tags->clear();
  for (const QString& t : tags) m_tags->addItem(t.mid(kPrefix.size()), t);
  const int keep = m_tags->findData(current);
  m_tags->setCurrentIndex(keep >= 0 ? keep : (tags.isEmpty() ? -1 : 0));
  m_tags->blockSignals(false);
}

void ConfusionPanel::syncSlider() {
  const int n = entryCount();
  const bool atNewest = m_slider->value() >= m_slider->maximum();
  m_slider->blockSignals(true);
  m_slider->setRange(0, std::max(0, n - 1));
  if (atNewest || m_slider->value() > n - 1) m_slider->setValue(std::max(0, n - 1));
  m_slider->setEnabled(n > 1);
  m_slider->blockSignals(false);
}

int ConfusionPanel::run() const {
  return m_runs->currentIndex() >= 0 ? m_runs->currentData().toInt() : -1;
}
QString ConfusionPanel::tag() const {
  return m_tags->currentData().toString();
}
int ConfusionPanel::entry() const {
  return m_slider->value();
}

int ConfusionPanel::entryCount() const {
  if (run() < 0 || tag().isEmpty()) return 0;
  return int(m_store->run(run()).texts.value(tag()).size());
}

bool ConfusionPanel::setRun(int run) {
  syncRuns();
  const int i = m_runs->findData(run);
  if (i < 0) return false;
  m_runs->blockSignals(true);
  m_runs->setCurrentIndex(i);
  m_runs->blockSignals(false);
  syncTags();
  syncSlider();
  showEntry();
  return true;
}

bool ConfusionPanel::setTag(const QString& tag) {
  const int i = m_tags->findData(tag);
  if (i < 0) return false;
  m_tags->blockSignals(true);
  m_tags->setCurrentIndex(i);
  m_tags->blockSignals(false);
  syncSlider();
  showEntry();
  return true;
}

void ConfusionPanel::setEntry(int index) {
  m_slider->blockSignals(true);
  m_slider->setValue(index);
  m_slider->blockSignals(false);
  showEntry();
}

void ConfusionPanel::setMessage(const QString& text) {
  m_message->setText(text);
  m_message->setVisible(!text.isEmpty());
}

void ConfusionPanel::showEntry() {
  m_summary = {};
  m_shownEpoch.reset();
  m_shownStep = 0;
  const int n = entryCount();
  if (n == 0) {
    m_matrix->setMatrix({}, {});
    fillTable();
    m_epochLabel->clear();
    m_accuracy->clear();
    setMessage(
        tr("No confusion matrix in the visible runs yet: the trainer logs one every "
           "epoch when the run has a validation split, and one for the test split at "
           "the end (docs/runs.md)."));
    return;
  }
  const RunRecord& rec = m_store->run(run());
  const int index = std::clamp(entry(), 0, n - 1);
  const QVector<TextStep> entries = rec.texts.value(tag());  // shared, not copied
  const TextStep& step = entries.at(index);
  m_shownStep = step.step;
  // The epoch logged at the same step (the trainer's "epoch" scalar, 1-based).
  const auto epochs = rec.scalars.constFind(QString::fromLatin1(loom::event_tags::kEpoch));
  if (epochs != rec.scalars.constEnd())
    for (int i = 0; i < epochs->size(); ++i)
      if (epochs->steps[i] == step.step) m_shownEpoch = int(std::lround(epochs->values[i]));
  m_epochLabel->setText(m_shownEpoch
                            ? tr("epoch %1 · step %2 (%3 of %4)")
                                  .arg(*m_shownEpoch)
                                  .arg(step.step)
                                  .arg(index + 1)
                                  .arg(n)
                            : tr("step %1 (%2 of %3)").arg(step.step).arg(index + 1).arg(n));

  std::vector<std::string> classes;
  std::vector<std::int64_t> counts;
  if (!events::parseConfusionMarkdown(step.text.toStdString(), &classes, &counts)) {
    m_matrix->setMatrix({}, {});
    fillTable();
    m_accuracy->clear();
    setMessage(tr("%1 of %2 at step %3 is not a confusion-matrix table.")
                   .arg(tag(), rec.name)
                   .arg(step.step));
    return;
  }
  setMessage({});
  m_summary = events::summarizeConfusion(counts, classes);
  QStringList names;
  for (const std::string& c : classes) names << QString::fromStdString(c);
  m_matrix->setMatrix(names, QVector<qint64>(counts.begin(), counts.end()));
  m_accuracy->setText(tr("Accuracy %1 % of %2 samples")
                          .arg(100 * m_summary.accuracy, 0, 'f', 2)
                          .arg(m_summary.total));
  fillTable();
}

void ConfusionPanel::fillTable() {
  const auto& s = m_summary;
  const int rows = s.classes.empty() ? 0 : int(s.classes.size()) + 3;
  m_table->setRowCount(rows);
  if (rows == 0) return;
  // Shown with 3 decimals; the exact value is the item's Qt::UserRole (tests, copy).
  auto number = [](double v) {
    auto* item = new QTableWidgetItem(QString::number(v, 'f', 3));
    item->setData(Qt::UserRole, v);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
  };
  auto count = [](qint64 v) {
    auto* item = new QTableWidgetItem(QString::number(v));
    item->setData(Qt::UserRole, v);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
  };
  auto put = [&](int row, const events::ClassScores& c, bool bold) {
    auto* name = new QTableWidgetItem(QString::fromStdString(c.name));
    QFont f = name->font();
    f.setBold(bold);
    name->setFont(f);
    m_table->setItem(row, 0, name);
    m_table->setItem(row, 1, number(c.precision));
    m_table->setItem(row, 2, number(c.recall));
    m_table->setItem(row, 3, number(c.f1));
    m_table->setItem(row, 4, count(c.support));
  };
  int row = 0;
  for (const events::ClassScores& c : s.classes) put(row++, c, false);
  // scikit-learn's classification_report layout: accuracy in the F1 column.
  auto* acc = new QTableWidgetItem(tr("accuracy"));
  QFont f = acc->font();
  f.setBold(true);
  acc->setFont(f);
  m_table->setItem(row, 0, acc);
  m_table->setItem(row, 1, new QTableWidgetItem);
  m_table->setItem(row, 2, new QTableWidgetItem);
  m_table->setItem(row, 3, number(s.accuracy));
  m_table->setItem(row, 4, count(s.total));
  put(++row, s.macro, true);
  put(++row, s.weighted, true);
  // Wide enough for every column: the table is the point of the tab, the heat map scales.
  m_table->resizeColumnsToContents();
  int width = 2 * m_table->frameWidth() + m_table->verticalScrollBar()->sizeHint().width() + 8;
  for (int c = 0; c < m_table->columnCount(); ++c) width += m_table->columnWidth(c);
  m_table->setMinimumWidth(width);
}

}  // namespace loom::studio
