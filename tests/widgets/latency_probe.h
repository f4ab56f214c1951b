// A probe for GUI-thread stalls, shared by the studio's Qt Tests: the longest gap between two
// ticks of a 5 ms timer on the GUI thread. Any stall of the event loop (a blocking call, a
// slow slot, a long replot, building a big scene in one go) shows up as a long gap. Use:
//
//   LatencyProbe probe;
//   probe.start();
//   probe.phase("opening");      // names what the test is doing, for the report
//   ... drive the window, waiting with QTRY_* or QTest::qWait ...
//   probe.stop();
//   qInfo("worst %.1f ms during %s", probe.worstMs(), probe.worstPhase());
#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace loom::studio::test {

/// Measures the longest gap between two ticks of a 5 ms timer on the GUI thread: any stall
/// of the event loop (a blocking call, a slow slot, a long replot) shows up as a long gap.
class LatencyProbe : public QObject {
 public:
  LatencyProbe() {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(5);
    QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
      const qint64 now = m_clock.nsecsElapsed();
      if (m_last >= 0 && now - m_last > m_worst) {
        m_worst = now - m_last;
        m_worstPhase = m_phase;
      }
      m_last = now;
    });
  }
  void start() {
    m_clock.start();
    m_last = 0;  // from now: a stall right after start() (before the first tick) counts too
    m_worst = 0;
    m_timer.start();
  }
  void stop() { m_timer.stop(); }
  double worstMs() const { return m_worst / 1e6; }
  /// What the test was doing when the worst stall happened (set with phase()).
  const char* worstPhase() const { return m_worstPhase; }
  void phase(const char* what) { m_phase = what; }

 private:
  QTimer m_timer;
  QElapsedTimer m_clock;
  qint64 m_last = -1;
  qint64 m_worst = 0;
  const char* m_phase = "";
  const char* m_worstPhase = "";
};

}  // namespace loom::studio::test
