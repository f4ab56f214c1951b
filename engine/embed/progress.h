// Progress, cancellation and streamed intermediate results of long embedding work.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace loom::embed {

/// One progress report: `done` of `total` units of `stage` ("extract", "knn", "affinities",
/// "optimize", ...). Reports come from the thread that runs the work.
struct EmbedProgress {
  std::string stage;
  std::int64_t done = 0;
  std::int64_t total = 0;
  double value = 0;  ///< a stage-specific figure (t-SNE: KL divergence estimate; 0 if none)
};

/// What a caller may hook into a long computation. Every member is optional.
struct EmbedControl {
  std::function<void(const EmbedProgress&)> onProgress;
  /// Intermediate layouts ([points x components] row-major) every `layoutEvery` iterations,
  /// so a view animates while the projection converges. Called on the working thread; copy
  /// what you keep.
  std::function<void(std::int64_t iteration, const std::vector<float>& layout)> onLayout;
  std::int64_t layoutEvery = 50;
  /// Set from any thread to stop: the work returns ErrorCode::Cancelled at its next check.
  const std::atomic<bool>* cancel = nullptr;

  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
  void report(const std::string& stage, std::int64_t done, std::int64_t total,
              double value = 0) const {
    if (onProgress) onProgress({stage, done, total, value});
  }
};

}  // namespace loom::embed
