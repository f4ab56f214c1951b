#include "engine/core/threads.h"

#include <omp.h>

namespace loom {

void setComputeThreads(int n) {
  if (n > 0) omp_set_num_threads(n);
}

int computeThreads() { return omp_get_max_threads(); }

}  // namespace loom
