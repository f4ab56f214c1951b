// loom_bench_dashboard: how the dashboard copes with big and many runs (docs/dashboard.md).
//
//   1. one generated run with POINTS points per scalar tag x 20 tags (default 1,000,000):
//      the engine's LogDirReader reading it alone, then the time from RunStore::setLogDir until
//      every point is in the store (the engine's LogDirReader on the tailer thread, conversion, the
//      queued hand-over), then the replot of a chart of one tag at full resolution (decimated on
//      the worker: the GUI thread only draws <= 2 points per pixel column) and the worker's
//      smoothing + decimation time;
//   2. RUNS runs (default 100) of 10,000 points, listed and overlaid in one chart: time until
//      all are listed with all points, the chart's replot, and the longest GUI-thread stall
//      while they load and draw (tests/widgets/latency_probe.h: a 5 ms timer's worst gap),
//      and the worker's time for that chart (smoothing, decimation and, above
//      kAntialiasedRunsUpTo runs, drawing the curves into the image the chart blits).
// Usage: loom_bench_dashboard [--points N] [--runs N] [--dir DIR]  (offscreen by default)
#include <qcustomplot.h>
#include <sys/resource.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "engine/events/event_writer.h"
#include "engine/events/log_dir_reader.h"
#include "tests/widgets/latency_probe.h"
#include "widgets/modes/train/decimator.h"
#include "widgets/modes/train/run_store.h"
#include "widgets/modes/train/scalar_chart.h"
#include "widgets/modes/train/scalars_panel.h"
#include "widgets/modes/train/series_math.h"

using namespace loom;
using namespace loom::studio;
using loom::studio::test::LatencyProbe;

namespace {

bool writeRun(const QString& dir, int tags, long points) {
  auto writer = events::EventWriter::open(dir.toStdString());
  if (!writer) {
    std::fprintf(stderr, "%s\n", writer.status().message().c_str());
    return false;
  }
  std::vector<std::pair<std::string, double>> values(tags);
  for (int t = 0; t < tags; ++t) values[t].first = "metric/" + std::to_string(t);
  for (long step = 0; step < points; ++step) {
    for (int t = 0; t < tags; ++t)
      values[t].second =
          std::exp(-step / (points / 3.0)) * (1 + t) + 0.05 * std::sin(step * 0.37 + t);
    (*writer)->scalars(step, values);
    // The writer drops what is queued past its 256 MiB limit (logging never stops a run):
    // a writer thread that falls behind on a busy machine would leave the run short.
    if (step % 50'000 == 49'999 && !(*writer)->flush().isOk()) return false;
  }
  if (!(*writer)->close().isOk()) return false;
  if ((*writer)->dropped() != 0) {
    std::fprintf(stderr, "the writer dropped %llu records\n",
                 static_cast<unsigned long long>((*writer)->dropped()));
    return false;
  }
  return true;
}

/// Minor page faults of the process so far (each phase prints its own).
long minorFaults() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

long totalPoints(const RunStore& store) {
  long n = 0;
  for (int i = 0; i < store.count(); ++i)
    for (const ScalarSeries& s : store.run(i).scalars) n += s.size();
  return n;
}

/// Waits (running the event loop) until `done()` or `timeoutMs`. Sleeps in the event loop
/// between events, as the studio does: a spinning wait would take a core from the tailer
/// thread (this machine has two) and inflate the open time.
template <class F>
bool waitFor(F done, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  QTimer tick;  // wakes the loop to check done() even when nothing else happens
  tick.start(10);
  while (!done()) {
    if (t.elapsed() > timeoutMs) return false;
    QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
  }
  return true;
}

double replotMs(QCustomPlot* plot) {
  std::vector<double> times;
  for (int i = 0; i < 15; ++i) {
    QElapsedTimer t;
    t.start();
    plot->replot(QCustomPlot::rpImmediateRefresh);
    times.push_back(t.nsecsElapsed() / 1e6);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  long points = 1'000'000;
  int runs = 100;
  QString base;
  const QStringList args = app.arguments();
  for (int i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == QLatin1String("--points")) points = args[i + 1].toLong();
    if (args[i] == QLatin1String("--runs")) runs = args[i + 1].toInt();
    if (args[i] == QLatin1String("--dir")) base = args[i + 1];
  }
  QTemporaryDir tmp(base.isEmpty() ? QDir::tempPath() + QStringLiteral("/loom-dash-XXXXXX")
                                   : base + QStringLiteral("/loom-dash-XXXXXX"));
  const int tags = 20;

  // ---- 1. one big run ----
  QElapsedTimer t;
  t.start();
  if (!writeRun(tmp.filePath(QStringLiteral("big/run")), tags, points)) return 1;
  std::printf("write %ld points x %d tags: %.2f s\n", points, tags, t.elapsed() / 1000.0);
  {
    // The engine's reader alone (what `loom runs` does), to tell its share of the open time.
    t.restart();
    const long faults = minorFaults();
    events::LogDirReader reader(tmp.filePath(QStringLiteral("big")).toStdString());
    reader.poll();
    std::size_t n = 0;
    for (const auto& [tag, series] : reader.run("run")->scalars) n += series.size();
    std::printf("LogDirReader alone: %zu points in %.3f s, %ld page faults\n", n,
                t.elapsed() / 1000.0, minorFaults() - faults);
  }
  {
    RunStore store;
    ScalarsPanel panel(&store);
    panel.resize(1400, 900);
    panel.show();
    LatencyProbe probe;
    probe.start();
    t.restart();
    const long faults = minorFaults();
    store.setLogDir(tmp.filePath(QStringLiteral("big")));
    if (!waitFor([&] { return totalPoints(store) == points * tags; }, 600'000)) {
      std::printf("open: timed out with %ld of %ld points\n", totalPoints(store), points * tags);
      return 1;
    }
    const double openSeconds = t.elapsed() / 1000.0;
    const long openFaults = minorFaults() - faults;
    // The probe counts a stall when the tick after it comes: the hand-over that completes the
    // load (and the charts it makes) ends just before this, so let ticks come for 200 ms.
    QElapsedTimer settle;
    settle.start();
    waitFor([&] { return settle.elapsed() >= 200; }, 1'000);
    std::printf(
        "open run (%ld points): %.3f s, %ld page faults; longest GUI stall while loading %.1f ms\n",
        points * tags, openSeconds, openFaults, probe.worstMs());
    ScalarChart* chart = nullptr;
    waitFor(
        [&] { return (chart = panel.chart(QStringLiteral("metric/0"))) && chart->updates() > 0; },
        60'000);
    if (!chart) return 1;
    std::printf("chart of 1 tag: %d points drawn for %d raw; replot %.2f ms (median of 15)\n",
                chart->pointsDrawn(), int(points), replotMs(chart->plot()));
    const ScalarSeries& s = store.run(0).scalars[QStringLiteral("metric/0")];
    t.restart();
    const QVector<double> smooth = smoothEma(s.values, 0.6);
    const XY xy = decimateMinMax(s.steps, smooth, 0, double(points), 1200);
    std::printf("worker: EMA + min/max decimation of %ld points to %d: %.1f ms\n", points,
                int(xy.x.size()), t.nsecsElapsed() / 1e6);
  }

  // ---- 2. many runs ----
  t.restart();
  for (int r = 0; r < runs; ++r)
    if (!writeRun(tmp.filePath(QStringLiteral("many/run%1").arg(r, 3, 10, QLatin1Char('0'))), 1,
                  10'000))
      return 1;
  std::printf("write %d runs x 10000 points: %.2f s\n", runs, t.elapsed() / 1000.0);
  {
    RunStore store;
    ScalarsPanel panel(&store);
    panel.resize(1400, 900);
    panel.show();
    LatencyProbe probe;
    probe.start();
    t.restart();
    store.setLogDir(tmp.filePath(QStringLiteral("many")));
    if (!waitFor([&] { return store.count() == runs && totalPoints(store) == runs * 10'000L; },
                 600'000))
      return 1;
    const double listed = t.elapsed() / 1000.0;
    ScalarChart* chart = nullptr;
    waitFor(
        [&] {
          // Every run's curves, and with many runs the worker's image of them (a first answer
          // may come before the chart is laid out, with no image: the next one has it).
          chart = panel.chart(QStringLiteral("metric/0"));
          return chart && chart->plot()->graphCount() == 2 * runs &&
                 (runs <= kAntialiasedRunsUpTo || chart->drawsImage());
        },
        60'000);
    std::printf(
        "%d runs listed with all points: %.3f s; overlaid: %d curves (%s); longest GUI stall "
        "%.1f ms; replot %.2f ms\n",
        runs, listed, chart ? chart->plot()->graphCount() / 2 : 0,
        chart && chart->drawsImage() ? "drawn from the worker's image" : "drawn by the graphs",
        probe.worstMs(), chart ? replotMs(chart->plot()) : -1.0);
    if (chart) {
      // The worker's share: the same request the chart sends, processed here.
      DecimationRequest request;
      request.columns = chart->plot()->axisRect()->width();
      request.rasterize = runs > kAntialiasedRunsUpTo;
      request.plotSize = chart->plot()->axisRect()->rect().size();
      for (int i = 0; i < store.count(); ++i) {
        const ScalarSeries& s = store.run(i).scalars[QStringLiteral("metric/0")];
        request.curves.append({i, s.steps, s.walls, s.values, 0, store.run(i).colour});
      }
      Decimator worker;
      std::vector<double> times;
      for (int k = 0; k < 5; ++k) {
        QElapsedTimer w;
        w.start();
        worker.process(request);
        times.push_back(w.nsecsElapsed() / 1e6);
      }
      std::sort(times.begin(), times.end());
      std::printf("worker for that chart (%d curves, %s, %dx%d px): %.1f ms (median of 5)\n",
                  int(request.curves.size()),
                  request.rasterize ? "EMA, decimation, image" : "EMA, decimation",
                  request.plotSize.width(), request.plotSize.height(), times[times.size() / 2]);
    }
  }
  return 0;
}
