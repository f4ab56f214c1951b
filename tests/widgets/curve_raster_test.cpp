// The many-runs drawing of the scalar charts (widgets/modes/train/curve_raster.h): the image
// the decimation worker draws must look like QCustomPlot's own drawing of the same curves
// with the same pens (the reference: QCustomPlot's graphs, which draw charts of few runs), on
// a linear and a log y axis; and a real chart over a real log directory switches to the image
// above kAntialiasedRunsUpTo runs, with every run's colour in it, and redraws it for a zoom.
#include "widgets/modes/train/curve_raster.h"

#include <qcustomplot.h>

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/events/event_writer.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/scalar_chart.h"
#include "widgets/modes/train/scalars_panel.h"
#include "widgets/modes/train/series_math.h"

using namespace loom::studio;

namespace {

struct Curves {
  QVector<XY> raw, smoothed;
  QVector<QColor> colours;
};

/// `runs` noisy decaying curves of `points` points over x in [0, points), decimated to
/// `columns` as the worker does; the last run has only 20 points (markers).
Curves makeCurves(int runs, int points, int columns, double lo, double hi) {
  Curves c;
  QRandomGenerator rng(7);
  for (int r = 0; r < runs; ++r) {
    const int n = r == runs - 1 ? 20 : points;
    QVector<double> x(n), y(n);
    for (int i = 0; i < n; ++i) {
      x[i] = i * double(points) / n;
      y[i] = 2.0 * std::exp(-x[i] * (1 + r) / points) + 0.05 + 0.1 * rng.generateDouble();
    }
    c.raw.append(decimateMinMax(x, y, lo, hi, columns));
    c.smoothed.append(decimateMinMax(x, smoothEma(y, 0.6), lo, hi, columns));
    c.colours.append(QColor::fromHsv((r * 37) % 360, 200, 200));
  }
  return c;
}

/// The plot as the widget shows it: replotted into its paint buffers, which paintEvent copies
/// (QCustomPlot::toPixmap would draw with QCPPainter::pmNoCaching, which strokes lines
/// another way).
QImage shot(QCustomPlot& plot) {
  plot.replot(QCustomPlot::rpImmediateRefresh);
  return plot.grab().toImage().convertToFormat(QImage::Format_ARGB32_Premultiplied);
}

/// Pixels of `a` and `b` inside `rect` that differ by more than `tolerance` in a channel.
int differing(const QImage& a, const QImage& b, const QRect& rect, int tolerance) {
  int n = 0;
  for (int y = rect.top(); y <= rect.bottom(); ++y)
    for (int x = rect.left(); x <= rect.right(); ++x) {
      const QRgb p = a.pixel(x, y), q = b.pixel(x, y);
      if (std::abs(qRed(p) - qRed(q)) > tolerance || std::abs(qGreen(p) - qGreen(q)) > tolerance ||
          std::abs(qBlue(p) - qBlue(q)) > tolerance)
        ++n;
    }
  return n;
}

/// Compares QCustomPlot's drawing of the curves with the raster image over the same plot.
void compareWithQCustomPlot(bool logY) {
  const int runs = 30;
  const double lo = 0, hi = 5000;
  QCustomPlot plot;
  plot.resize(900, 560);
  plot.show();  // a hidden widget would lay out at another size
  QVERIFY(QTest::qWaitForWindowExposed(&plot));
  plot.setPlottingHints(QCP::phFastPolylines | QCP::phCacheLabels);
  plot.xAxis->setRange(lo, hi);
  if (logY) {
    plot.yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot.yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    plot.yAxis->setRange(0.04, 3);
  } else {
    plot.yAxis->setRange(-0.1, 2.4);
  }
  plot.replot(QCustomPlot::rpImmediateRefresh);  // lays out the axis rect
  const QRect rect = plot.axisRect()->rect();
  const Curves c = makeCurves(runs, 5000, rect.width(), lo, hi);

  // QCustomPlot's drawing: the background and axes alone, then with the graphs.
  const QImage background = shot(plot);
  for (int r = 0; r < runs; ++r) {
    const CurveStyle style = curveStyle(c.colours[r], true);
    QCPGraph* raw = plot.addGraph();
    raw->setAdaptiveSampling(false);
    raw->setAntialiased(style.antialiased);
    raw->setPen(style.raw);
    raw->setData(c.raw[r].x, c.raw[r].y, true);
    QCPGraph* smooth = plot.addGraph();
    smooth->setAdaptiveSampling(false);
    smooth->setAntialiased(style.antialiased);
    smooth->setPen(style.smoothed);
    smooth->setData(c.smoothed[r].x, c.smoothed[r].y, true);
    if (c.smoothed[r].x.size() <= kMarkersUpTo)
      smooth->setScatterStyle(
          QCPScatterStyle(QCPScatterStyle::ssDisc, c.colours[r], c.colours[r], kMarkerSize));
  }
  const QImage reference = shot(plot);
  QCOMPARE(plot.axisRect()->rect(), rect);

  // The raster over the same background, at the axis rect's top - 1 (PlotFrame).
  PlotFrame frame;
  frame.size = rect.size();
  frame.xLo = lo;
  frame.xHi = hi;
  frame.yLo = plot.yAxis->range().lower;
  frame.yHi = plot.yAxis->range().upper;
  frame.logY = logY;
  QVector<RasterCurve> curves;
  for (int r = 0; r < runs; ++r) curves.append({&c.raw[r], &c.smoothed[r], c.colours[r]});
  const QImage raster = rasterizeCurves(frame, curves, true);
  QCOMPARE(raster.size(), rect.size());
  QImage composed = background;
  {
    QPainter p(&composed);
    p.drawImage(QPoint(rect.left(), rect.top() - 1), raster);
  }

  // The curves cover a good part of the rect (the comparison is not of two empty plots) ...
  const int covered = differing(background, reference, rect, 0);
  QVERIFY2(covered > rect.width() * rect.height() / 20,
           qPrintable(QStringLiteral("%1 pixels drawn").arg(covered)));
  // ... and the image is QCustomPlot's picture: the same pixels, up to rounding of a few.
  const int diff = differing(reference, composed, rect.adjusted(0, -1, 0, 0), 8);
  qInfo("%s y: %d of %d drawn pixels differ", logY ? "log" : "linear", diff, covered);
  QVERIFY2(diff <= covered / 100,
           qPrintable(QStringLiteral("%1 of %2 drawn pixels differ").arg(diff).arg(covered)));
}

void writeRuns(const QString& dir, int runs) {
  for (int r = 0; r < runs; ++r) {
    auto writer =
        loom::events::EventWriter::open(QStringLiteral("%1/run%2").arg(dir).arg(r).toStdString());
    QVERIFY(writer.hasValue());
    for (int step = 0; step < 500; ++step)
      (*writer)->scalar("loss", step, 1.0 / (1 + step * (r + 1) * 0.01));
    QVERIFY((*writer)->close().isOk());
  }
}

}  // namespace

class CurveRasterTest : public QObject {
  Q_OBJECT

 private slots:
  void frameMapsAsQCustomPlotAxes() {
    PlotFrame f;
    f.size = QSize(200, 100);
    f.xLo = 10;
    f.xHi = 30;
    f.yLo = -1;
    f.yHi = 1;
    QCOMPARE(f.xPixel(10), 0.0);
    QCOMPARE(f.xPixel(30), 200.0);
    QCOMPARE(f.yPixel(-1), 100.0);
    QCOMPARE(f.yPixel(1), 0.0);
    QCOMPARE(f.yPixel(0), 50.0);
    f.logY = true;
    f.yLo = 0.01;
    f.yHi = 100;
    QCOMPARE(f.yPixel(1), 50.0);
    QVERIFY(f.yPixel(-3) > 100);  // outside the log scale's domain: below the rect
    f.yLo = 0;                    // not a log range
    QVERIFY(!f.valid());
    QVERIFY(rasterizeCurves(f, {}, true).isNull());
  }

  void imageEqualsQCustomPlotLinear() { compareWithQCustomPlot(false); }
  void imageEqualsQCustomPlotLogY() { compareWithQCustomPlot(true); }

  void chartDrawsTheImageAboveTenRuns() {
    QTemporaryDir tmp;
    writeRuns(tmp.filePath(QStringLiteral("few")), kAntialiasedRunsUpTo);
    writeRuns(tmp.filePath(QStringLiteral("many")), kAntialiasedRunsUpTo + 2);
    for (const bool many : {false, true}) {
      RunStore store;
      store.setPollIntervalMs(50);
      ScalarsPanel panel(&store);
      panel.resize(1000, 700);
      panel.show();
      store.setLogDir(tmp.filePath(many ? QStringLiteral("many") : QStringLiteral("few")));
      const int runs = many ? kAntialiasedRunsUpTo + 2 : kAntialiasedRunsUpTo;
      ScalarChart* chart = nullptr;
      QTRY_VERIFY_WITH_TIMEOUT(
          (chart = panel.chart(QStringLiteral("loss"))) && chart->plot()->graphCount() == 2 * runs,
          20000);
      QTRY_COMPARE_WITH_TIMEOUT(chart->drawsImage(), many, 10000);
      // Every run's colour is on the chart, drawn by the graphs or from the image.
      const QImage image = shot(*chart->plot());
      const QRect rect = chart->plot()->axisRect()->rect();
      for (int r = 0; r < store.count(); ++r) {
        const QRgb want = store.run(r).colour.rgb();
        bool seen = false;
        for (int y = rect.top(); y < rect.bottom() && !seen; ++y)
          for (int x = rect.left(); x < rect.right() && !seen; ++x)
            seen = qAbs(qRed(image.pixel(x, y)) - qRed(want)) <= 2 &&
                   qAbs(qGreen(image.pixel(x, y)) - qGreen(want)) <= 2 &&
                   qAbs(qBlue(image.pixel(x, y)) - qBlue(want)) <= 2;
        QVERIFY2(seen, qPrintable(QStringLiteral("%1 runs: colour of %2 not drawn")
                                      .arg(runs)
                                      .arg(store.run(r).name)));
      }
      if (!many) continue;
      // A zoom (as the wheel does it: both axes) asks for a new image of the new ranges; the
      // chart then no longer follows the data, and a double-click fits it again.
      const int before = chart->updates();
      chart->plot()->xAxis->setRange(100, 200);
      chart->plot()->yAxis->setRange(0, 0.5);
      QTRY_VERIFY_WITH_TIMEOUT(chart->updates() > before, 10000);
      QVERIFY(chart->drawsImage());
      QCOMPARE(chart->plot()->xAxis->range().lower, 100.0);
      QCOMPARE(chart->plot()->yAxis->range().upper, 0.5);
      const QImage zoomed = shot(*chart->plot());
      QVERIFY(differing(zoomed, image, rect, 0) > 0);
    }
  }
};

QTEST_MAIN(CurveRasterTest)
#include "curve_raster_test.moc"
