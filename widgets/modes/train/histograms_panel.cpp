#include "widgets/modes/train/histograms_panel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

#include "engine/train/event_log.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/series_math.h"

namespace loom::studio {

HistogramsPanel::HistogramsPanel(RunStore* store, QWidget* parent)
    : QWidget(parent),
      m_store(store),
      m_tags(new QComboBox),
      m_view(new QComboBox),
      m_empty(new QLabel(tr("No histograms in the visible runs yet."))),
      m_plot(new QCustomPlot) {
  m_tags->setObjectName(QStringLiteral("histogramTag"));
  m_tags->setMinimumContentsLength(24);
  m_view->setObjectName(QStringLiteral("histogramView"));
  m_view->addItems({tr("Ridgelines"), tr("Distributions")});
  m_empty->setAlignment(Qt::AlignCenter);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->legend->setVisible(true);
  m_plot->legend->setBrush(QColor(255, 255, 255, 200));
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Tag")));
  controls->addWidget(m_tags, 1);
  controls->addWidget(new QLabel(tr("View")));
  controls->addWidget(m_view);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(m_empty);
  layout->addWidget(m_plot, 1);
  connect(m_tags, &QComboBox::currentTextChanged, this, &HistogramsPanel::redraw);
  connect(m_view, &QComboBox::currentIndexChanged, this, &HistogramsPanel::redraw);
  // Coalesce bursts of updates (many runs, many tags) into one redraw per event-loop pass.
  auto queue = [this] {
    if (m_redrawQueued) return;
    m_redrawQueued = true;
    QTimer::singleShot(0, this, [this] {
      m_redrawQueued = false;
      syncTags();
      redraw();
    });
  };
  connect(store, &RunStore::histogramsChanged, this, queue);
  connect(store, &RunStore::runsReset, this, queue);
  syncTags();
  redraw();
}

QString HistogramsPanel::tag() const {
  return m_tags->currentText();
}
void HistogramsPanel::setTag(const QString& tag) {
  m_tags->setCurrentText(tag);
}
void HistogramsPanel::setView(View view) {
  m_view->setCurrentIndex(static_cast<int>(view));
}

void HistogramsPanel::setVisibleRuns(const QSet<int>& runs) {
  m_visible = runs;
  redraw();
}

namespace {
/// The tag shown first: the first node activation (thousands of values, a shape one reads at a
/// glance) rather than the alphabetically first tag, often a bias gradient of a few values.
QString firstView(const QStringList& tags) {
  for (const QString& t : tags)
    if (t.endsWith(QLatin1String(event_tags::kActivation))) return t;
  return tags.value(0);
}
}  // namespace

void HistogramsPanel::syncTags() {
  const QStringList tags = m_store->histogramTags();
  QStringList shown;
  for (int i = 0; i < m_tags->count(); ++i) shown << m_tags->itemText(i);
  if (tags == shown) return;
  const QString current = m_tags->currentText();
  m_tags->blockSignals(true);
  m_tags->clear();
  m_tags->addItems(tags);
  m_tags->setCurrentText(tags.contains(current) ? current : firstView(tags));
  m_tags->blockSignals(false);
}

void HistogramsPanel::redraw() {
  m_plot->clearGraphs();
  m_plot->clearPlottables();
  const bool any = !tag().isEmpty();
  m_empty->setVisible(!any);
  m_plot->setVisible(any);
  if (!any) return;
  if (m_view->currentIndex() == 0)
    drawRidgelines();
  else
    drawDistributions();
  m_plot->rescaleAxes();
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void HistogramsPanel::drawRidgelines() {
  m_plot->xAxis->setLabel(tag());
  m_plot->yAxis->setLabel(tr("step (each outline: one logged step)"));
  // The offset between two outlines, in steps' units, and the peak height of an outline.
  for (int r = 0; r < m_store->count(); ++r) {
    if (!shows(r)) continue;
    const auto it = m_store->run(r).histograms.constFind(tag());
    if (it == m_store->run(r).histograms.constEnd() || it->isEmpty()) continue;
    const QVector<HistogramStep>& steps = *it;
    const double span = steps.size() > 1 ? (steps.back().step - steps.front().step) : 1;
    const double height = 2.5 * span / std::min<int>(60, std::max<int>(1, steps.size()));
    QColor colour = m_store->run(r).colour;
    // At most ~60 outlines: more would merge into a solid block.
    const int stride = std::max<int>(1, steps.size() / 60);
    for (int k = 0; k < steps.size(); k += stride) {
      const HistogramStep& h = steps[k];
      double peak = 0;
      for (int i = 0; i < h.counts.size(); ++i) {
        const double lo = i == 0 ? h.min : h.limits[i - 1];
        const double width = std::max(1e-12, std::min(h.limits[i], h.max) - lo);
        peak = std::max(peak, h.counts[i] / width);
      }
      if (!(peak > 0)) continue;
      QVector<double> x, y;
      x << h.min;
      y << h.step;
      for (int i = 0; i < h.counts.size(); ++i) {
        const double lo = std::max(h.min, i == 0 ? h.min : h.limits[i - 1]);
        const double hi = std::min(h.max, h.limits[i]);
        if (hi < lo) continue;
        const double density = h.counts[i] / std::max(1e-12, hi - lo);
        x << (lo + hi) / 2;
        y << h.step + height * density / peak;
      }
      x << h.max;
      y << h.step;
      QCPGraph* g = m_plot->addGraph();
      g->setData(x, y, true);
      QColor line = colour;
      line.setAlphaF(0.35 + 0.65 * (k + 1) / steps.size());  // newest steps strongest
      g->setPen(QPen(line, 1.3));
      if (k + stride >= steps.size())
        g->setName(m_store->run(r).name);
      else
        g->removeFromLegend();
    }
  }
}

void HistogramsPanel::drawDistributions() {
  m_plot->xAxis->setLabel(tr("step"));
  m_plot->yAxis->setLabel(tag());
  for (int r = 0; r < m_store->count(); ++r) {
    if (!shows(r)) continue;
    const auto it = m_store->run(r).histograms.constFind(tag());
    if (it == m_store->run(r).histograms.constEnd() || it->isEmpty()) continue;
    QVector<double> steps;
    QVector<QVector<double>> bands(9);
    for (const HistogramStep& h : *it) {
      steps << h.step;
      for (int b = 0; b < 9; ++b)
        bands[b] << histogramQuantile(h.limits, h.counts, h.min, h.max,
                                      kDistributionBasisPoints[b] / 10000.0);
    }
    const QColor colour = m_store->run(r).colour;
    QVector<QCPGraph*> graphs(9);
    for (int b = 0; b < 9; ++b) {
      graphs[b] = m_plot->addGraph();
      graphs[b]->setData(steps, bands[b], true);
      graphs[b]->setPen(b == 4 ? QPen(colour, 2) : QPen(Qt::NoPen));
      if (b == 4)
        graphs[b]->setName(m_store->run(r).name + tr(" (median)"));
      else
        graphs[b]->removeFromLegend();
    }
    // Nested bands: outer (0–100 %) faintest, inner (30.9–69.1 %) strongest.
    for (int b = 0; b < 4; ++b) {
      QColor fill = colour;
      fill.setAlpha(28 + 14 * b);
      graphs[b]->setBrush(fill);
      graphs[b]->setChannelFillGraph(graphs[8 - b]);
    }
  }
}

}  // namespace loom::studio
