// A one-line terminal progress bar: phase, epoch, a bar, step counts, loss, accuracy,
// samples/s and ETA. On a terminal it redraws in place; otherwise (logs, CI) it prints a
// plain line every 10 % so logs stay readable.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/train/trainer.h"

namespace loom::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::FILE* out);
  void update(const TrainProgress& p);
  /// A stage of work other than training ("knn", "optimize", "explain", ...):
  /// "stage [bar] done/total  [ETA 4m12s  ]detail". A new stage starts a new line; on a
  /// non-terminal a stage prints every 10 %.
  void update(const std::string& stage, std::int64_t done, std::int64_t total,
              const std::string& detail = {}, std::optional<double> etaSeconds = std::nullopt);
  /// Ends the current line (call before printing anything else).
  void finishLine();

 private:
  std::FILE* m_out;
  bool m_tty;
  bool m_lineOpen = false;
  int m_lastDecile = -1;
  std::string m_lastStage;
  std::chrono::steady_clock::time_point m_lastDraw;
};

/// "4m12s", "1h03m", "12s".
std::string formatDuration(double seconds);

}  // namespace loom::cli
