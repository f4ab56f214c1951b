// run.json of a run directory (internal to engine/train; the fields are documented in
// docs/runs.md): what was trained, with which settings, on which data and host, how far it
// got and how it ended. Rewritten atomically whenever something changes (start, every epoch,
// pause/resume, the end), so a reader never sees half a file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/core/status.h"
#include "engine/data/dataset.h"
#include "engine/train/freeze.h"
#include "engine/train/train_events.h"

namespace loom {

/// What run.json says about the run itself (written once at the start).
struct RunDescription {
  std::string model;
  std::string modelHash;
  int threads = 0;
  std::uint64_t seed = 0;
  std::int64_t batchSize = 0;  ///< per rank
  int worldSize = 1;           ///< data-parallel ranks (global batch = batchSize * worldSize)
  std::int64_t epochs = 0;
  std::string optimizer;
  double learningRate = 0;
  std::string datasetKind;
  std::string datasetSource;
  std::int64_t samples = 0;  ///< training + validation samples used
  std::string dataFingerprint;
  std::string backends;
  /// training.freeze_until and what it froze: run.json "frozen" (absent when nothing is).
  FrozenSet frozen;
};

class RunLog {
 public:
  /// A log that writes `path`; with `enabled` false (ranks other than 0) every call is a no-op.
  RunLog(std::string path, bool enabled);

  /// Starts the log: the description, status "running". When `resumedAtEpoch` >= 0, the
  /// epoch metrics of epochs before it are carried over from the file already there (if
  /// it parses), so a resumed run's log still lists every epoch once.
  Status start(const RunDescription& description, std::int64_t resumedAtEpoch);
  /// Appends the epoch's metrics and updates "best_metric": the highest validation accuracy
  /// (training accuracy without a validation split), with its epoch and global step.
  void addEpoch(const EpochMetrics& m, std::int64_t globalStep);
  void setTest(const EvalMetrics& m);
  /// Status, global step and, for Diverged/Failed/Stopped, the error or checkpoint.
  void setStatus(TrainStatus status, std::int64_t globalStep, const std::string& detail);
  void setTrainSeconds(double seconds);
  Status save();

 private:
  std::string m_path;
  bool m_enabled;
  nlohmann::json m_json;
  nlohmann::json m_best;  ///< null until an epoch ended
};

/// The machine's host name (run.json "host").
std::string hostName();
/// CRC-32C of a data set's samples and labels, 8 hex digits (run.json "dataset.fingerprint").
std::string dataFingerprint(const Dataset& data);

}  // namespace loom
