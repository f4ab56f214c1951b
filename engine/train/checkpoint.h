// Checkpoints: one self-validating file per checkpoint.
//
// Layout (little-endian; docs/formats.md#checkpoints):
//   "LOOMCKPT" | u32 format version | u32 header bytes | header | tensors... | u32 file CRC
//   header  = model hash (16 hex chars), TrainerState fields, tensor count
//   tensor  = name, dtype, rank, dims, u64 byte count, bytes, u32 CRC-32C of the bytes
//   file CRC = CRC-32C of every byte before it
// Files are written atomically (temporary name, fsync, rename, fsync of the directory), so
// a reader sees a complete old checkpoint or a complete new one. The loader rejects a
// truncated file, a bad checksum or a checkpoint of another model with a message that
// says which, naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/status.h"
#include "engine/core/tensor.h"

namespace loom {

inline constexpr std::uint32_t kCheckpointFormatVersion = 1;

/// Where a training run stands; enough to continue it bit-exactly.
struct TrainerState {
  std::int64_t epoch = 0;        ///< 0-based epoch in progress (or next to start)
  std::int64_t stepInEpoch = 0;  ///< steps of `epoch` already done
  std::int64_t globalStep = 0;   ///< optimizer steps done in total
  std::uint64_t seed = 0;
  std::int32_t threads = 0;  ///< compute threads of the run (bit-exactness needs the same)
  double bestValidationLoss = 0;
  std::int32_t epochsWithoutImprovement = 0;
  // Running sums of the epoch in progress, so a resumed epoch reports the same metrics.
  double epochLossSum = 0;
  std::int64_t epochCorrect = 0;
  std::int64_t epochSamples = 0;
};

struct CheckpointData {
  std::string modelHash;  ///< modelStructureHash() of the model it belongs to
  TrainerState state;
  /// Parameters ("param/<name>") and optimizer state ("optim/<name>"), in a fixed order.
  std::vector<std::pair<std::string, Tensor>> tensors;
};

/// Serialises and writes atomically to `path`.
Status writeCheckpoint(const std::string& path, const CheckpointData& data);

/// Reads and verifies `path`. If `expectedModelHash` is not empty, a checkpoint of another
/// model is ModelMismatch. Truncation and checksum failures are DataCorrupt.
Expected<CheckpointData> readCheckpoint(const std::string& path,
                                        const std::string& expectedModelHash = "");

}  // namespace loom
