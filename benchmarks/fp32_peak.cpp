// The machine's measured FP32 peak: oneDNN's sgemm on 4096 x 4096 matrices, best of several
// runs, with the thread count from OMP_NUM_THREADS (../shared/BENCHMARKS.md: "measure the peak
// in the same run"). run_train_benchmark.py prints Loom's throughput as a fraction of it.
//   OMP_NUM_THREADS=2 loom_bench_peak [N=4096] [repeats=5]
// Prints one JSON object: {"gflops", "n", "threads", "seconds"}.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "oneapi/dnnl/dnnl.h"

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::atol(argv[1]) : 4096;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  if (n <= 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: loom_bench_peak [N] [repeats]\n");
    return 2;
  }
  std::vector<float> a(static_cast<std::size_t>(n * n)), b(a.size()), c(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>(i % 7) * 0.25f;
    b[i] = static_cast<float>(i % 5) * 0.5f;
  }
  double best = 1e30;
  for (int r = 0; r < repeats + 1; ++r) {  // the first run warms caches and the thread pool
    const auto start = std::chrono::steady_clock::now();
    if (dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n) !=
        dnnl_success) {
      std::fprintf(stderr, "dnnl_sgemm failed\n");
      return 1;
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (r > 0) best = std::min(best, s);
  }
  const double gflops = 2.0 * static_cast<double>(n) * n * n / best / 1e9;
  std::printf("{\"gflops\": %.2f, \"n\": %ld, \"threads\": %d, \"seconds\": %.4f}\n", gflops, n,
              omp_get_max_threads(), best);
  return c[0] == 12345.f ? 1 : 0;  // keeps the product observable
}
