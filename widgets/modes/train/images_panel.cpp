#include "widgets/modes/train/images_panel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPixmap>
#include <QScrollArea>
#include <QSlider>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "engine/train/event_log.h"
#include "widgets/modes/train/run_store.h"

namespace loom::studio {

namespace {
constexpr int kMaxPerRun = 8;  // images of one step shown per run in the grid

void clearLayout(QLayout* layout) {
  while (QLayoutItem* item = layout->takeAt(0)) {
    delete item->widget();
    delete item;
  }
}
}  // namespace

ImagesPanel::ImagesPanel(RunStore* store, QWidget* parent)
    : QWidget(parent),
      m_store(store),
      m_tags(new QComboBox),
      m_a(new QComboBox),
      m_b(new QComboBox),
      m_slider(new QSlider(Qt::Horizontal)),
      m_stepLabel(new QLabel),
      m_pages(new QStackedWidget),
      m_grid(new QWidget),
      m_compare(new QWidget) {
  m_tags->setObjectName(QStringLiteral("imageTag"));
  m_slider->setObjectName(QStringLiteral("imageStep"));
  m_a->setObjectName(QStringLiteral("compareA"));
  m_b->setObjectName(QStringLiteral("compareB"));
  m_stepLabel->setMinimumWidth(90);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Tag")));
  top->addWidget(m_tags, 1);
  top->addWidget(new QLabel(tr("Step")));
  top->addWidget(m_slider, 2);
  top->addWidget(m_stepLabel);
  top->addSpacing(12);
  top->addWidget(new QLabel(tr("A/B")));
  top->addWidget(m_a);
  top->addWidget(m_b);
  new QGridLayout(m_grid);
  new QHBoxLayout(m_compare);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setWidget(m_grid);
  m_pages->addWidget(scroll);
  m_pages->addWidget(m_compare);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(m_pages, 1);

  connect(m_slider, &QSlider::valueChanged, this, &ImagesPanel::rebuild);
  connect(m_tags, &QComboBox::currentTextChanged, this, [this] {
    syncSteps();
    rebuild();
  });
  auto comparePicked = [this] {
    const int a = m_a->currentData().toInt(), b = m_b->currentData().toInt();
    m_pages->setCurrentIndex(a >= 0 && b >= 0 ? 1 : 0);
    rebuild();
  };
  connect(m_a, &QComboBox::currentIndexChanged, this, comparePicked);
  connect(m_b, &QComboBox::currentIndexChanged, this, comparePicked);
  auto queue = [this] {
    if (m_queued) return;
    m_queued = true;
    QTimer::singleShot(0, this, [this] {
      m_queued = false;
      syncTags();
      syncSteps();
      rebuild();
    });
  };
  connect(store, &RunStore::imagesChanged, this, queue);
  connect(store, &RunStore::textsChanged, this, queue);  // the probe labels under the images
  connect(store, &RunStore::runsReset, this, queue);
  connect(store, &RunStore::runAdded, this, queue);
  syncTags();
  syncSteps();
  rebuild();
}

void ImagesPanel::setVisibleRuns(const QSet<int>& runs) {
  m_visible = runs;
  rebuild();
}

bool ImagesPanel::setTag(const QString& tag) {
  if (m_tags->findText(tag) < 0) return false;
  m_tags->setCurrentText(tag);
  return true;
}

void ImagesPanel::compare(int a, int b) {
  m_a->setCurrentIndex(std::max(0, m_a->findData(a)));
  m_b->setCurrentIndex(std::max(0, m_b->findData(b)));
}

void ImagesPanel::syncTags() {
  const QStringList tags = m_store->imageTags();
  QStringList shown;
  for (int i = 0; i < m_tags->count(); ++i) shown << m_tags->itemText(i);
  if (tags != shown) {
    const QString current = m_tags->currentText();
    m_tags->blockSignals(true);
    m_tags->clear();
    m_tags->addItems(tags);
    m_tags->setCurrentText(tags.contains(current) ? current : tags.value(0));
    m_tags->blockSignals(false);
  }
  for (QComboBox* box : {m_a, m_b}) {
    const int current = box->currentData().toInt();
    box->blockSignals(true);
    box->clear();
    box->addItem(box == m_a ? tr("(grid)") : tr("(grid)"), -1);
    for (int r = 0; r < m_store->count(); ++r) box->addItem(m_store->run(r).name, r);
    box->setCurrentIndex(std::max(0, box->findData(current)));
    box->blockSignals(false);
  }
}

void ImagesPanel::syncSteps() {
  QVector<double> steps;
  for (int r = 0; r < m_store->count(); ++r) {
    const auto it = m_store->run(r).images.constFind(m_tags->currentText());
    if (it == m_store->run(r).images.constEnd()) continue;
    for (const ImageStep& s : *it) steps << s.step;
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  const bool atEnd = m_slider->value() == m_slider->maximum();
  m_steps = steps;
  m_slider->blockSignals(true);
  m_slider->setRange(0, std::max<int>(0, int(steps.size()) - 1));
  if (atEnd) m_slider->setValue(m_slider->maximum());  // follow the newest step
  m_slider->blockSignals(false);
}

double ImagesPanel::currentStep() const {
  return m_steps.isEmpty() ? NAN : m_steps.value(m_slider->value(), m_steps.back());
}

const ImageStep* ImagesPanel::at(int run, double step) const {
  const auto it = m_store->run(run).images.constFind(m_tags->currentText());
  if (it == m_store->run(run).images.constEnd()) return nullptr;
  const ImageStep* best = nullptr;
  for (const ImageStep& s : *it)
    if (s.step <= step && (!best || s.step >= best->step)) best = &s;
  return best;
}

QString ImagesPanel::probeCaption(const QString& labels, int sample) {
  // Rows of the trainer's table (engine/train/event_log.cpp): "| k | true | predicted[ ✗] |".
  const QString prefix = QStringLiteral("| %1 |").arg(sample);
  for (const QString& line : labels.split(QLatin1Char('\n'))) {
    if (!line.startsWith(prefix)) continue;
    const QStringList cells = line.split(QLatin1Char('|'));  // "", k, true, predicted, ""
    if (cells.size() < 4) return {};
    const QString truth = cells[2].trimmed();
    QString predicted = cells[3].trimmed();
    const bool wrong = predicted.endsWith(QStringLiteral("✗"));
    if (wrong) predicted = predicted.chopped(1).trimmed();
    return wrong ? QStringLiteral(
                       "<span style='color:#c0392b'>%1 ✗</span><br><small>true: %2</small>")
                       .arg(predicted.toHtmlEscaped(), truth.toHtmlEscaped())
                 : QStringLiteral("%1 ✓").arg(predicted.toHtmlEscaped());
  }
  return {};
}

QString ImagesPanel::captionFor(int run, double step) const {
  const QString tag = m_tags->currentText();
  // probe/NN and its attribution map probe/attribution/NN share the sample's caption.
  const QString attribution = QString::fromLatin1(event_tags::kProbeAttribution);
  const QString probe = QString::fromLatin1(event_tags::kProbeImage);
  const QString prefix = tag.startsWith(attribution) ? attribution : probe;
  bool ok = false;
  const int sample = tag.startsWith(prefix) ? tag.mid(prefix.size()).toInt(&ok) : -1;
  if (!ok) return {};
  const auto it = m_store->run(run).texts.constFind(QString::fromLatin1(event_tags::kProbeLabels));
  if (it == m_store->run(run).texts.constEnd()) return {};
  const TextStep* best = nullptr;  // the labels of the image's step (or the last before it)
  for (const TextStep& t : *it)
    if (t.step <= step && (!best || t.step >= best->step)) best = &t;
  return best ? probeCaption(best->text, sample) : QString();
}

QWidget* ImagesPanel::tile(int run, double step, int size) const {
  auto* box = new QWidget;
  box->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(4, 4, 4, 4);
  const ImageStep* s = at(run, step);
  auto* title =
      new QLabel(QStringLiteral("<span style='color:%1'>■</span> %2 <small>%3</small>")
                     .arg(m_store->run(run).colour.name(), m_store->run(run).name.toHtmlEscaped(),
                          s ? tr("step %1").arg(s->step) : tr("no image yet")));
  layout->addWidget(title);
  auto* row = new QHBoxLayout;
  if (s)
    for (int i = 0; i < std::min<int>(kMaxPerRun, s->images.size()); ++i) {
      auto* label = new QLabel;
      const QImage& img = s->images[i];
      // Nearest-neighbour scaling keeps small images' pixels crisp.
      label->setPixmap(QPixmap::fromImage(
          img.scaled(size, size, Qt::KeepAspectRatio,
                     img.width() < size ? Qt::FastTransformation : Qt::SmoothTransformation)));
      label->setToolTip(tr("%1×%2").arg(img.width()).arg(img.height()));
      const QString caption = captionFor(run, s->step);
      if (caption.isEmpty()) {
        row->addWidget(label);
        continue;
      }
      auto* column = new QVBoxLayout;  // the prediction under the image, red when wrong
      column->addWidget(label);
      auto* text = new QLabel(caption);
      text->setObjectName(QStringLiteral("probeCaption"));
      column->addWidget(text);
      row->addLayout(column);
    }
  row->addStretch(1);
  layout->addLayout(row);
  return box;
}

void ImagesPanel::rebuild() {
  const double step = currentStep();
  m_stepLabel->setText(std::isfinite(step) ? tr("step %1").arg(step) : tr("no images"));
  if (m_pages->currentIndex() == 1) {
    clearLayout(m_compare->layout());
    for (QComboBox* box : {m_a, m_b}) {
      const int run = box->currentData().toInt();
      if (run >= 0 && run < m_store->count()) m_compare->layout()->addWidget(tile(run, step, 280));
    }
    return;
  }
  auto* grid = static_cast<QGridLayout*>(m_grid->layout());
  clearLayout(grid);
  int row = 0;
  for (int r = 0; r < m_store->count(); ++r)
    if (shows(r) && m_store->run(r).images.contains(m_tags->currentText()))
      grid->addWidget(tile(r, step, 96), row++, 0);
  if (row == 0) {
    auto* empty = new QLabel(tr("No images in the visible runs yet."));
    empty->setAlignment(Qt::AlignCenter);
    grid->addWidget(empty, 0, 0);
  }
  grid->setRowStretch(row, 1);
}

}  // namespace loom::studio
