// A probe for GUI-thread stalls, shared by the studio's Qt Tests: the longest gap between two
// ticks of a 5 ms timer on the GUI thread. Any stall of the event loop (a blocking call, a
// slow slot, a long replot, building a big scene in one go) shows up as a long gap. Use:
//
//   LatencyProbe probe;
//   probe.start();
//   probe.phase("opening");      // names what the test is doing, for the report
//   ... drive the window, waiting with QTRY_* or QTest::qWait ...
//   { LatencyProbe::Paused p(probe); ... the test's own slow work, e.g. a reference ... }
//   probe.stop();
//   qInfo("worst %.1f ms during %s", probe.worstMs(), probe.worstPhase());
#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <QtGlobal>

namespace loom::studio::test {

/// Measures the longest gap between two ticks of a 5 ms timer on the GUI thread: any stall
/// of the event loop (a blocking call, a slow slot, a long replot) shows up as a long gap.
class LatencyProbe : public QObject {
 public:
  LatencyProbe() {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(5);
    QObject::connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
  }
  /// Leaves the test's own work out of the measurement. A test runs on the GUI thread, so a
  /// reference computed there (an explanation, a brute-force search) would read as a stall of
  /// the window under test. The gap up to the pause still counts; the paused time does not.
  class Paused {
   public:
    explicit Paused(LatencyProbe& probe) : m_probe(probe), m_wasActive(probe.m_timer.isActive()) {
      if (m_wasActive) {
        m_probe.tick();
        m_probe.m_timer.stop();
      }
    }
    ~Paused() {
      if (!m_wasActive) return;
      m_probe.m_last = m_probe.m_clock.nsecsElapsed();
      m_probe.m_timer.start();
    }
    Paused(const Paused&) = delete;
    Paused& operator=(const Paused&) = delete;

   private:
    LatencyProbe& m_probe;
    bool m_wasActive;
  };
  void start() {
    m_clock.start();
    m_last = 0;  // from now: a stall right after start() (before the first tick) counts too
    m_worst = 0;
    m_timer.start();
  }
  void stop() { m_timer.stop(); }
  double worstMs() const { return m_worst / 1e6; }
  /// What the test was doing when the worst stall happened (set with phase()).
  const char* worstPhase() const { return m_worstPhase.constData(); }
  void phase(const char* what) { m_phase = what; }  // copied: `what` may be a temporary

 private:
  void tick() {
    const qint64 now = m_clock.nsecsElapsed();
    // A gap that began in one phase and ended in another names both: the work that blocked
    // may belong to the first (a test's slow check before the next step starts).
    const QByteArray during = m_lastPhase == m_phase ? m_phase : m_lastPhase + " .. " + m_phase;
    // LOOM_LATENCY_LOG=1 lists every stall over 50 ms with its phases, to find what blocks.
    if (m_log && m_last >= 0 && now - m_last > 50'000'000)
      // The monotonic clock's time too, to find the stall in `perf record -k CLOCK_MONOTONIC`.
      qInfo("stall %.1f ms at %.3f s, monotonic %.3f s (during: %s)", (now - m_last) / 1e6,
            now / 1e9, (m_clock.msecsSinceReference() + now / 1e6) / 1e3, during.constData());
    if (m_last >= 0 && now - m_last > m_worst) {
      m_worst = now - m_last;
      m_worstPhase = during;
    }
    m_last = now;
    m_lastPhase = m_phase;
  }

  QTimer m_timer;
  QElapsedTimer m_clock;
  qint64 m_last = -1;
  qint64 m_worst = 0;
  QByteArray m_phase;
  QByteArray m_lastPhase;  // the phase at the previous tick
  QByteArray m_worstPhase;
  const bool m_log = qEnvironmentVariableIsSet("LOOM_LATENCY_LOG");
};

}  // namespace loom::studio::test
