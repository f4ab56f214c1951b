// loom_bench_embed: times one projection of engine/embed for benchmarks/run_embed_benchmark.py.
//   loom_bench_embed tsne X.npy OUT.npy THREADS [PERPLEXITY] [theta=T] [iterations=N]
//       [seed=S] [pca=D] [knn=exact|hnsw]   (t-SNE options not given keep TsneOptions' defaults)
//   loom_bench_embed umap X.npy OUT.npy THREADS
//   loom_bench_embed pca ROWS DIMS THREADS            (seeded Gaussian points, 10 components)
// Prints one JSON line: {"method": ..., "points": N, "seconds": wall time of the projection}.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "engine/core/npy.h"
#include "engine/embed/pca.h"
#include "engine/embed/tsne.h"
#include "engine/embed/umap.h"

namespace {

using Clock = std::chrono::steady_clock;

int fail(const loom::Status& st) {
  std::fprintf(stderr, "loom_bench_embed: %s\n", st.toString().c_str());
  return 1;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace loom;
  if (argc < 5) {
    std::fprintf(
        stderr,
        "usage: loom_bench_embed tsne|umap X.npy OUT.npy THREADS | pca ROWS DIMS THREADS\n");
    return 2;
  }
  const std::string method = argv[1];
  const int threads = std::stoi(argv[4]);
  if (method == "pca") {
    const std::int64_t rows = std::stoll(argv[2]), dims = std::stoll(argv[3]);
    Tensor x({rows, dims});
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal;
    for (std::int64_t i = 0; i < rows * dims; ++i) x.f32()[i] = normal(rng);
    embed::PcaOptions o;
    o.components = 10;
    o.threads = threads;
    const auto t = Clock::now();
    auto r = embed::pca(x, o);
    const double s = since(t);
    if (!r) return fail(r.status());
    std::printf("{\"method\": \"pca\", \"points\": %lld, \"dims\": %lld, \"seconds\": %.3f}\n",
                static_cast<long long>(rows), static_cast<long long>(dims), s);
    return 0;
  }
  auto x = readNpy(argv[2]);
  if (!x) return fail(x.status());
  Tensor layout;
  const auto t = Clock::now();
  if (method == "tsne") {
    embed::TsneOptions o;
    o.threads = threads;
    for (int a = 5; a < argc; ++a) {
      const std::string arg = argv[a];
      const auto eq = arg.find('=');
      const std::string key = eq == std::string::npos ? "" : arg.substr(0, eq);
      const std::string value = arg.substr(eq == std::string::npos ? 0 : eq + 1);
      if (key.empty())
        o.perplexity = std::stod(value);
      else if (key == "theta")
        o.theta = std::stod(value);
      else if (key == "iterations")
        o.iterations = std::stoll(value);
      else if (key == "seed")
        o.seed = std::stoull(value);
      else if (key == "pca")
        o.pcaDims = std::stoll(value);
      else if (key == "knn" && (value == "exact" || value == "hnsw"))
        o.knn = value == "exact" ? embed::KnnMethod::Exact : embed::KnnMethod::Hnsw;
      else {
        std::fprintf(stderr, "loom_bench_embed: unknown t-SNE option %s\n", arg.c_str());
        return 2;
      }
    }
    auto r = embed::tsne(*x, o);
    if (!r) return fail(r.status());
    layout = r->layout;
  } else if (method == "umap") {
    embed::UmapOptions o;
    o.threads = threads;
    auto r = embed::umap(*x, o);
    if (!r) return fail(r.status());
    layout = r->layout;
  } else {
    std::fprintf(stderr, "loom_bench_embed: unknown method %s\n", method.c_str());
    return 2;
  }
  const double s = since(t);
  if (Status st = writeNpy(argv[3], layout); !st) return fail(st);
  std::printf("{\"method\": \"%s\", \"points\": %lld, \"seconds\": %.3f}\n", method.c_str(),
              static_cast<long long>(x->dim(0)), s);
  return 0;
}
