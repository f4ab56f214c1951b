// Compute threads. oneDNN here runs on OpenMP, so the OpenMP team size is the one knob:
// nothing else in the engine spins compute threads beside it.
#pragma once

namespace loom {

/// Sets the number of compute threads (OpenMP team). n <= 0 keeps the current setting.
void setComputeThreads(int n);
/// The current number of compute threads.
int computeThreads();

}  // namespace loom
