#include "widgets/modes/train/scalar_chart.h"

#include <qcustomplot.h>

#include <QFile>
#include <QMouseEvent>
#include <QTextStream>
#include <QVBoxLayout>
#include <algorithm>
#include <atomic>

#include "widgets/modes/train/run_store.h"

namespace loom::studio {

namespace {
std::atomic<quint64> g_nextChartId{1};

QString formatValue(double v) {
  if (!std::isfinite(v)) return QString::number(v);
  return QString::number(v, 'g', 5);
}
}  // namespace

/// The curves of a chart of many runs: the worker's image (curve_raster.h), drawn in the axis
/// rect. When the axes moved since it was drawn (a drag or zoom whose new image is still on
/// the way), it is stretched onto the ranges it was drawn for.
class CurveImage : public QCPLayerable {
 public:
  explicit CurveImage(QCustomPlot* plot) : QCPLayerable(plot) {}

  void set(const QImage& image, const PlotFrame& frame) {
    m_image = image;
    m_frame = frame;
  }
  const QImage& image() const { return m_image; }
  const PlotFrame& frame() const { return m_frame; }

 protected:
  void applyDefaultAntialiasingHint(QCPPainter* painter) const override {
    painter->setAntialiasing(false);
  }
  QRect clipRect() const override { return mParentPlot->axisRect()->rect(); }
  void draw(QCPPainter* painter) override {
    if (m_image.isNull()) return;
    const QRect rect = mParentPlot->axisRect()->rect();
    const QCPAxis* x = mParentPlot->xAxis;
    const QCPAxis* y = mParentPlot->yAxis;
    const QRectF target(QPointF(x->coordToPixel(m_frame.xLo), y->coordToPixel(m_frame.yHi)),
                        QPointF(x->coordToPixel(m_frame.xHi), y->coordToPixel(m_frame.yLo)));
    // Row 0 of the image is the rect's top - 1 (PlotFrame). Unmoved axes: a plain blit.
    const QRectF unmoved(QPointF(rect.left(), rect.top() - 1), QSizeF(m_frame.size));
    const bool same = std::abs(target.left() - unmoved.left()) < 1e-3 &&
                      std::abs(target.top() - unmoved.top()) < 1e-3 &&
                      std::abs(target.width() - unmoved.width()) < 1e-3 &&
                      std::abs(target.height() - unmoved.height()) < 1e-3;
    if (same)
      painter->drawImage(unmoved.topLeft().toPoint(), m_image);
    else
      painter->drawImage(target, m_image);
  }

 private:
  QImage m_image;
  PlotFrame m_frame;
};

ScalarChart::ScalarChart(RunStore* store, const QString& tag, QWidget* parent)
    : QWidget(parent),
      m_store(store),
      m_tag(tag),
      m_id(g_nextChartId++),
      m_plot(new QCustomPlot(this)) {
  setObjectName(QStringLiteral("scalarChart:") + tag);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_plot);
  setMinimumSize(280, 200);

  m_plot->setNoAntialiasingOnDrag(true);
  m_plot->setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
  m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  m_plot->plotLayout()->insertRow(0);
  auto* title =
      new QCPTextElement(m_plot, tag, QFont(font().family(), font().pointSize(), QFont::DemiBold));
  m_plot->plotLayout()->addElement(0, 0, title);
  m_plot->xAxis->setLabel(tr("step"));
  m_plot->xAxis->grid()->setSubGridVisible(false);
  m_plot->yAxis->grid()->setSubGridVisible(false);

  m_curveImage = new CurveImage(m_plot);  // before the items: they draw over it
  m_cursor = new QCPItemStraightLine(m_plot);
  m_cursor->setPen(QPen(QColor(0, 0, 0, 80), 1, Qt::DashLine));
  m_cursor->setVisible(false);
  m_readout = new QCPItemText(m_plot);
  m_readout->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_readout->position->setType(QCPItemPosition::ptAxisRectRatio);
  m_readout->position->setCoords(0.02, 0.03);
  m_readout->setTextAlignment(Qt::AlignLeft);
  m_readout->setPadding(QMargins(6, 4, 6, 4));
  m_readout->setBrush(QColor(255, 255, 255, 225));
  m_readout->setPen(QPen(QColor(0, 0, 0, 60)));
  m_readout->setVisible(false);

  // A drag or zoom of either axis stops the chart following the data (double-click fits).
  for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis})
    connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
      if (m_settingRange) return;
      m_userZoomed = true;
      refresh();
    });
  // The axis rect changes size when the tick labels do (a new y range): an image drawn for
  // the old size would be stretched, so a new one is asked for.
  connect(m_plot, &QCustomPlot::afterReplot, this, [this] {
    if (!m_curveImage->image().isNull() &&
        m_curveImage->frame().size != m_plot->axisRect()->rect().size())
      refresh();
  });
  connect(m_plot, &QCustomPlot::mouseMove, this, &ScalarChart::hover);
  connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { fitX(); });
  connect(store, &RunStore::scalarsChanged, this, [this](int, const QString& t) {
    if (t == m_tag) refresh();
  });
  connect(store, &RunStore::runChanged, this, [this] { refresh(); });
  connect(store, &RunStore::runsReset, this, [this] { refresh(); });
}

bool ScalarChart::drawsImage() const {
  return !m_curveImage->image().isNull();
}

void ScalarChart::setSettings(const ChartSettings& settings) {
  const bool axisChanged = settings.x != m_settings.x;
  m_settings = settings;
  m_settingRange = true;  // a new scale or ticker may move the ranges: not the user's zoom
  m_plot->yAxis->setScaleType(settings.logY ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
  if (settings.logY)
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
  else
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
  if (settings.x == XAxisKind::Wall) {
    auto ticker = QSharedPointer<QCPAxisTickerDateTime>::create();
    ticker->setDateTimeFormat(QStringLiteral("HH:mm:ss\nd MMM"));
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setLabel(tr("wall time"));
  } else {
    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    m_plot->xAxis->setLabel(settings.x == XAxisKind::Step ? tr("step") : tr("relative time (s)"));
  }
  m_settingRange = false;
  if (axisChanged) m_userZoomed = false;
  refresh();
}

void ScalarChart::setVisibleRuns(const QSet<int>& runs) {
  m_visible = runs;
  refresh();
}

bool ScalarChart::shows(int run) const {
  return !m_visible || m_visible->contains(run);
}

void ScalarChart::fitX() {
  m_userZoomed = false;
  refresh();
}

void ScalarChart::refresh() {
  if (m_inFlight) {
    m_dirty = true;
    return;
  }
  send();
}

DecimationRequest::Curve ScalarChart::curveFor(int run) const {
  DecimationRequest::Curve c;
  c.run = run;
  const RunRecord& r = m_store->run(run);
  const auto it = r.scalars.constFind(m_tag);
  if (it == r.scalars.constEnd()) return c;
  c.steps = it->steps;  // implicitly shared: no copy
  c.walls = it->walls;
  c.values = it->values;
  c.wallOrigin = std::isfinite(r.startWall) ? r.startWall : 0;
  c.colour = r.colour;
  return c;
}

void ScalarChart::send() {
  DecimationRequest request;
  request.chart = m_id;
  request.generation = ++m_generation;
  request.fit = !m_userZoomed;
  request.lo = m_plot->xAxis->range().lower;
  request.hi = m_plot->xAxis->range().upper;
  request.yLo = m_plot->yAxis->range().lower;
  request.yHi = m_plot->yAxis->range().upper;
  request.logY = m_settings.logY;
  request.x = m_settings.x;
  request.columns = std::max(16, m_plot->axisRect()->width());
  request.smoothing = m_settings.smoothing;
  request.emaWeight = m_settings.emaWeight;
  request.window = m_settings.window;
  for (int i = 0; i < m_store->count(); ++i)
    if (shows(i) && m_store->run(i).scalars.contains(m_tag)) request.curves.append(curveFor(i));
  // Many runs: the worker also draws the curves (curve_raster.h), the GUI thread blits them.
  request.rasterize = request.curves.size() > kAntialiasedRunsUpTo;
  request.plotSize = m_plot->axisRect()->rect().size();
  request.devicePixelRatio = m_plot->devicePixelRatioF();
  request.showRaw = m_settings.showRaw;
  m_inFlight = true;
  m_dirty = false;
  emit requestDecimation(request);
}

void ScalarChart::onDecimated(const DecimationResult& result) {
  if (result.chart != m_id) return;
  m_inFlight = false;
  if (result.generation == m_generation) {
    // Two graphs per run (raw, then smoothed), reused across updates. With many runs they
    // are hidden and hold the data for the readout; the worker's image shows the curves.
    const int needed = 2 * result.curves.size();
    while (m_plot->graphCount() > needed) m_plot->removeGraph(m_plot->graphCount() - 1);
    while (m_plot->graphCount() < needed) m_plot->addGraph()->setAdaptiveSampling(false);
    m_pointsDrawn = 0;
    const bool many = result.curves.size() > kAntialiasedRunsUpTo;
    const bool imaged = many && !result.image.isNull();
    m_curveImage->set(imaged ? result.image : QImage(), result.frame);
    for (int i = 0; i < result.curves.size(); ++i) {
      const DecimationResult::Curve& c = result.curves[i];
      const QColor colour =
          c.run < m_store->count() ? m_store->run(c.run).colour : QColor(Qt::gray);
      const CurveStyle style = curveStyle(colour, many);
      QCPGraph* raw = m_plot->graph(2 * i);
      QCPGraph* smooth = m_plot->graph(2 * i + 1);
      raw->setPen(style.raw);
      raw->setAntialiased(style.antialiased);
      smooth->setAntialiased(style.antialiased);
      raw->setVisible(m_settings.showRaw && !imaged);
      smooth->setVisible(!imaged);
      raw->setData(c.raw.x, c.raw.y, true);
      smooth->setPen(style.smoothed);
      smooth->setData(c.smoothed.x, c.smoothed.y, true);
      smooth->setScatterStyle(
          c.smoothed.x.size() <= kMarkersUpTo
              ? QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, kMarkerSize)
              : QCPScatterStyle(QCPScatterStyle::ssNone));
      smooth->setName(c.run < m_store->count() ? m_store->run(c.run).name : QString());
      smooth->setProperty("run", c.run);
      m_pointsDrawn += c.raw.x.size() + c.smoothed.x.size();
    }
    m_settingRange = true;
    if (!m_userZoomed && std::isfinite(result.lo) && std::isfinite(result.hi)) {
      const double pad = result.hi > result.lo ? 0 : 0.5;
      m_plot->xAxis->setRange(result.lo - pad, result.hi + pad);
    }
    if (!m_userZoomed && result.found) m_plot->yAxis->setRange(result.yLo, result.yHi);
    m_settingRange = false;
    ++m_updates;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
  }
  if (m_dirty) send();
}

void ScalarChart::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  refresh();
}

QPair<double, double> ScalarChart::nearest(int run, double x) const {
  const RunRecord& r = m_store->run(run);
  const auto it = r.scalars.constFind(m_tag);
  if (it == r.scalars.constEnd() || it->values.isEmpty()) return {NAN, NAN};
  const bool step = m_settings.x == XAxisKind::Step;
  const QVector<double>& xs = step ? it->steps : it->walls;
  const double origin =
      m_settings.x == XAxisKind::Relative && std::isfinite(r.startWall) ? r.startWall : 0;
  const double key = x + origin;
  // Binary search on the (mostly) sorted x; the neighbour closer to the cursor wins.
  const int n = std::min(xs.size(), it->values.size());
  int i = int(std::lower_bound(xs.begin(), xs.begin() + n, key) - xs.begin());
  if (i >= n) i = n - 1;
  if (i > 0 && std::abs(xs[i - 1] - key) < std::abs(xs[i] - key)) --i;
  return {xs[i] - origin, it->values[i]};
}

QString ScalarChart::readoutAt(double x) const {
  QStringList lines;
  for (int g = 1; g < m_plot->graphCount(); g += 2) {
    const int run = m_plot->graph(g)->property("run").toInt();
    if (run < 0 || run >= m_store->count()) continue;
    const auto [px, value] = nearest(run, x);
    if (!std::isfinite(px)) continue;
    // The smoothed value nearest the cursor, from the drawn (decimated) curve.
    const auto data = m_plot->graph(g)->data();
    auto at = data->findBegin(x, false);
    const QString smoothed = at != data->constEnd() ? formatValue(at->value) : QString();
    const QString where = m_settings.x == XAxisKind::Step
                              ? tr("step %1").arg(px, 0, 'f', 0)
                              : (m_settings.x == XAxisKind::Relative
                                     ? tr("%1 s").arg(px, 0, 'f', 1)
                                     : QDateTime::fromMSecsSinceEpoch(qint64(px * 1000))
                                           .toString(QStringLiteral("HH:mm:ss")));
    lines << QStringLiteral("<span style='color:%1'>■</span> %2: <b>%3</b> (smoothed %4) · %5")
                 .arg(m_store->run(run).colour.name(), m_store->run(run).name.toHtmlEscaped(),
                      formatValue(value), smoothed, where);
  }
  return lines.join(QStringLiteral("<br>"));
}

void ScalarChart::hover(QMouseEvent* event) {
  const double x = m_plot->xAxis->pixelToCoord(event->position().x());
  const QString text = readoutAt(x);
  m_cursor->point1->setCoords(x, 0);
  m_cursor->point2->setCoords(x, 1);
  m_cursor->setVisible(!text.isEmpty());
  // QCPItemText draws plain text; strip the markup the tooltip-style readout uses.
  QString plain = text;
  plain.replace(QStringLiteral("<br>"), QStringLiteral("\n"));
  plain.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
  plain.replace(QStringLiteral("■ "), QString());
  m_readout->setText(plain);
  m_readout->setVisible(!text.isEmpty());
  m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool ScalarChart::savePng(const QString& path, int width, int height) {
  return m_plot->savePng(path, width, height);
}

bool ScalarChart::saveCsv(const QString& path, QString* error) const {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  QTextStream out(&file);
  out << "run,step,wall_time,value\n";
  for (int i = 0; i < m_store->count(); ++i) {
    if (!shows(i)) continue;
    const RunRecord& r = m_store->run(i);
    const auto it = r.scalars.constFind(m_tag);
    if (it == r.scalars.constEnd()) continue;
    QString name = r.name;
    if (name.contains(QLatin1Char(',')) || name.contains(QLatin1Char('"')))
      name = QLatin1Char('"') + name.replace(QLatin1Char('"'), QStringLiteral("\"\"")) +
             QLatin1Char('"');
    for (int k = 0; k < it->size(); ++k)
      out << name << ',' << QString::number(it->steps[k], 'g', 17) << ','
          << QString::number(it->walls[k], 'g', 17) << ','
          << QString::number(it->values[k], 'g', 17) << '\n';
  }
  out.flush();
  if (file.error() != QFileDevice::NoError) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

}  // namespace loom::studio
