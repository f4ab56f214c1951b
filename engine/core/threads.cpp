#include "engine/core/threads.h"

#include <omp.h>

#include <algorithm>

namespace loom {

int availableCores() {
  return std::max(1, omp_get_num_procs());
}

int resolveComputeThreads(int setting) {
  if (setting <= 0) return availableCores();
  return std::min(setting, kMaxComputeThreads);
}

void setComputeThreads(int setting) {
  omp_set_num_threads(resolveComputeThreads(setting));
}

int computeThreads() {
  return omp_get_max_threads();
}

ScopedComputeThreads::ScopedComputeThreads(int setting) : m_previous(computeThreads()) {
  setComputeThreads(setting);
}

ScopedComputeThreads::~ScopedComputeThreads() {
  omp_set_num_threads(m_previous);
}

}  // namespace loom
