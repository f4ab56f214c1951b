// Timeline: one rank's trace of a training run in Chrome's Trace Event Format (the JSON array
// form that chrome://tracing, Perfetto and Horovod's timeline use; docs/distributed.md).
// `loom train --timeline FILE` (and so `loom launch -- ... --timeline FILE`) makes every rank
// write one: a track per rank ("pid" = rank, named "rank R (HOST)"), one complete event
// ("ph": "X") per phase of every step:
//
//   category "wait"     wait for data (the loader's batch)
//   category "compute"  forward, loss, backward, optimizer, validation (rank 0)
//   category "comm"     gradient allreduce (includes waiting for the slowest rank),
//                       step summary allreduce, validation broadcast (others wait for rank 0)
//   category "io"       checkpoint (rank 0)
//
// with "args": {"step": global step}, on the rank's "training" thread track (tid 1). A second
// track, "gradient buckets" (tid 2), holds one event per gradient bucket and step,
// "allreduce bucket K" (category "comm"): from the bucket's start to when this rank saw it
// complete. With training.allreduce_overlap they lie under "backward"; the part of them there
// is the allreduce time hidden behind backward (benchmarks/dist_hidden_fraction.py). Timestamps are
// microseconds of the wall clock (so the files of ranks on one machine line up; across machines as
// well as their clocks agree), durations from a monotonic clock. Events are written as they happen;
// the closing ']' is written when the Timeline is destroyed (a trace cut short by kill -9 lacks it,
// which the format allows and the viewers accept).
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/status.h"

namespace loom {

class Timeline {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kPhaseTrack = 1;   ///< tid of the step's phases ("training")
  static constexpr int kBucketTrack = 2;  ///< tid of the gradient buckets' allreduces

  /// Creates (truncates) `path` and writes the track's name: "rank R (HOST)". IoError
  /// naming the path when it cannot be written.
  static Expected<std::unique_ptr<Timeline>> open(const std::string& path, int rank,
                                                  const std::string& host);
  ~Timeline();  ///< ends the array and closes the file
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  /// One complete event `name` of `category` from `start` to `end` at global step `step`, on
  /// track `track` (kPhaseTrack or kBucketTrack).
  void span(std::string_view name, std::string_view category, Clock::time_point start,
            Clock::time_point end, std::int64_t step, int track = kPhaseTrack);
  const std::string& path() const { return m_path; }

 private:
  Timeline(std::FILE* file, std::string path, int rank);
  double microseconds(Clock::time_point t) const;

  std::FILE* m_file = nullptr;
  std::string m_path;
  int m_rank = 0;
  Clock::time_point m_steadyBase;  ///< Clock::now() at open ...
  double m_wallBase = 0;           ///< ... and the wall clock then, in microseconds
};

/// The file rank `rank` of `worldSize` writes for `--timeline path`: `path` itself for one
/// process; otherwise ".rankR" goes before the extension ("t.json" -> "t.rank1.json",
/// "t" -> "t.rank1").
std::string timelinePathForRank(const std::string& path, int rank, int worldSize);

}  // namespace loom
