#include "app/cli/progress_bar.h"

#include <unistd.h>

#include <cmath>

namespace loom::cli {

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

ProgressBar::ProgressBar(std::FILE* out) : m_out(out), m_tty(::isatty(::fileno(out)) != 0) {}

void ProgressBar::update(const TrainProgress& p) {
  const char* phase = p.phase == TrainProgress::Phase::Train      ? "train"
                      : p.phase == TrainProgress::Phase::Validate ? "valid"
                                                                  : "test ";
  const double frac = p.steps > 0 ? static_cast<double>(p.step) / static_cast<double>(p.steps) : 0;
  const bool done = p.step >= p.steps;
  if (!m_tty) {
    int decile = static_cast<int>(frac * 10);
    if (decile == m_lastDecile && !done) return;
    m_lastDecile = done ? -1 : decile;
    if (p.phase != TrainProgress::Phase::Train && !done) return;
  } else {
    auto now = std::chrono::steady_clock::now();
    if (!done && now - m_lastDraw < std::chrono::milliseconds(100)) return;
    m_lastDraw = now;
  }
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  char epoch[32] = "";
  if (p.phase == TrainProgress::Phase::Train || p.phase == TrainProgress::Phase::Validate)
    std::snprintf(epoch, sizeof epoch, "epoch %lld/%lld ", static_cast<long long>(p.epoch + 1),
                  static_cast<long long>(p.epochs));
  std::fprintf(m_out, "%s%s %s[%s] %lld/%lld  loss %.4f  acc %5.2f%%  %6.0f samples/s  ETA %s%s",
               m_tty ? "\r\033[K" : "", phase, epoch, bar.c_str(), static_cast<long long>(p.step),
               static_cast<long long>(p.steps), p.loss, 100.0 * p.accuracy, p.samplesPerSecond,
               formatDuration(p.etaSeconds).c_str(), m_tty ? "" : "\n");
  std::fflush(m_out);
  m_lineOpen = m_tty;
  if (done) finishLine();
}

void ProgressBar::finishLine() {
  if (m_lineOpen) std::fputc('\n', m_out);
  m_lineOpen = false;
  std::fflush(m_out);
}

void ProgressBar::update(const std::string& stage, std::int64_t done, std::int64_t total,
                         const std::string& detail, std::optional<double> etaSeconds) {
  const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
  const bool finished = done >= total;
  if (!m_tty) {
    const int decile = static_cast<int>(frac * 10);
    if (stage == m_lastStage && decile == m_lastDecile && !finished) return;
    m_lastDecile = finished ? -1 : decile;  // a later run of the same stage prints again
  } else {
    auto now = std::chrono::steady_clock::now();
    if (stage == m_lastStage && !finished && now - m_lastDraw < std::chrono::milliseconds(100))
      return;
    m_lastDraw = now;
  }
  if (stage != m_lastStage && m_lineOpen) finishLine();
  m_lastStage = stage;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<size_t>(kWidth - filled - 1), ' ');
  const std::string eta =
      etaSeconds ? "ETA " + (done > 0 ? formatDuration(*etaSeconds) : std::string("?")) + "  " : "";
  std::fprintf(m_out, "%s%-10s [%s] %lld/%lld  %s%s%s", m_tty ? "\r\033[K" : "", stage.c_str(),
               bar.c_str(), static_cast<long long>(done), static_cast<long long>(total),
               eta.c_str(), detail.c_str(), m_tty ? "" : "\n");
  std::fflush(m_out);
  m_lineOpen = m_tty;
  if (finished) finishLine();
}

}  // namespace loom::cli
