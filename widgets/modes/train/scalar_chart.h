// ScalarChart: one scalar tag of every visible run on a QCustomPlot — smoothed curves over
// faint raw ones, x by step, relative time or wall time, optional log y, zoom and pan (wheel,
// drag; double-click fits), a hover readout of every run at the cursor, PNG and CSV export.
//
// The chart renders what the RunStore holds. It never decimates on the GUI thread: a change
// (new points, zoom, resize, a setting) sends one DecimationRequest to the panel's Decimator
// thread; the result comes back by queued connection (onDecimated) and the chart calls a
// queued replot. While a request is in flight further changes only mark it dirty, so a fast
// stream of points costs one request at a time.
//
// Up to kAntialiasedRunsUpTo runs the chart's QCustomPlot graphs draw the curves. With more,
// the worker also rasterizes them (curve_raster.h) and the chart blits that image; the graphs
// stay, hidden, with the decimated data (the readout reads them). A drag or zoom of either
// axis stops the chart following the data; double-click fits it again.
#pragma once

#include <QPair>
#include <QPointer>
#include <QSet>
#include <QWidget>
#include <optional>

#include "widgets/modes/train/decimator.h"

class QCustomPlot;
class QCPItemText;
class QCPItemStraightLine;
class QLabel;

namespace loom::studio {

class RunStore;
class CurveImage;

struct ChartSettings {
  XAxisKind x = XAxisKind::Step;
  bool logY = false;
  SmoothingKind smoothing = SmoothingKind::Ema;
  double emaWeight = 0.6;
  int window = 9;
  bool showRaw = true;
};

class ScalarChart : public QWidget {
  Q_OBJECT

 public:
  ScalarChart(RunStore* store, const QString& tag, QWidget* parent = nullptr);

  const QString& tag() const { return m_tag; }
  quint64 id() const { return m_id; }
  QCustomPlot* plot() const { return m_plot; }
  void setSettings(const ChartSettings& settings);
  /// Runs shown (RunStore indices); all runs when never set.
  void setVisibleRuns(const QSet<int>& runs);
  /// Marks the chart stale and asks for new decimated data (coalesced).
  void refresh();
  /// Results of the worker (connected by the panel).
  void onDecimated(const DecimationResult& result);
  /// Results applied so far (tests: the chart updates).
  int updates() const { return m_updates; }
  /// Points drawn in total (raw + smoothed), after decimation.
  int pointsDrawn() const { return m_pointsDrawn; }
  /// Whether the curves are drawn from the worker's image (more than kAntialiasedRunsUpTo
  /// runs) rather than by the graphs.
  bool drawsImage() const;
  /// The readout text at plot x coordinate `x` (what hovering shows).
  QString readoutAt(double x) const;

  bool savePng(const QString& path, int width = 0, int height = 0);
  /// Every raw point of every shown run: run,step,wall_time,value (full resolution).
  bool saveCsv(const QString& path, QString* error = nullptr) const;

 signals:
  void requestDecimation(const loom::studio::DecimationRequest& request);

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void send();
  DecimationRequest::Curve curveFor(int run) const;
  QPair<double, double> nearest(int run, double x) const;  // (x, raw value) of a run
  bool shows(int run) const;
  void hover(QMouseEvent* event);
  void fitX();

  RunStore* m_store;
  QString m_tag;
  quint64 m_id;
  QCustomPlot* m_plot;
  CurveImage* m_curveImage = nullptr;  ///< owned by m_plot
  QCPItemText* m_readout = nullptr;
  QCPItemStraightLine* m_cursor = nullptr;
  ChartSettings m_settings;
  std::optional<QSet<int>> m_visible;
  quint64 m_generation = 0;
  bool m_inFlight = false;
  bool m_dirty = false;
  bool m_userZoomed = false;
  bool m_settingRange = false;
  int m_updates = 0;
  int m_pointsDrawn = 0;
};

}  // namespace loom::studio
