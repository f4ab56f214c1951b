// Loading a trained model: the parameter file (format 3) against the same parameters as
// protobuf text (format 2), side by side in one run (docs/benchmarks.md, "Model files").
//   loom train resources/examples/cnn.loom --max-steps 1 --train-limit 64 --no-test --run-dir R
//   loom_bench_model_load R/trained.loom
// Prints file sizes and the best of several loads of each form.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "engine/core/file_util.h"
#include "engine/graph/model.h"

namespace {
double bestLoadSeconds(const std::string& path, int repeats, std::size_t* values) {
  double best = 1e30;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto model = loom::loadModel(path);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!model) {
      std::fprintf(stderr, "%s\n", model.status().message().c_str());
      std::exit(1);
    }
    *values = 0;
    for (const auto& [name, t] : model->parameters) *values += static_cast<std::size_t>(t.numel());
    best = std::min(best, s);
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: loom_bench_model_load TRAINED.loom\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const std::string binary = argv[1];
  auto model = loom::loadModel(binary);
  if (!model || model->parameters.empty()) {
    std::fprintf(stderr, "%s: needs a model with parameters\n", binary.c_str());
    return 1;
  }
  const fs::path dir = fs::temp_directory_path() / "loom_bench_model_load";
  fs::create_directories(dir);
  const std::string text = (dir / "text.loom").string();
  if (!loom::writeFileAtomically(text, loom::serializeModel(*model))) return 1;
  const std::string fresh = (dir / "binary.loom").string();
  if (!loom::saveModel(*model, fresh)) return 1;
  std::uintmax_t sidecar = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".params") sidecar += fs::file_size(e.path());

  std::size_t values = 0;
  const double tBinary = bestLoadSeconds(fresh, 7, &values);
  const double tText = bestLoadSeconds(text, 3, &values);
  std::printf("%zu parameter values\n", values);
  std::printf("format 3 (text %ju bytes + parameter file %ju bytes): load %.1f ms\n",
              static_cast<std::uintmax_t>(fs::file_size(fresh)), sidecar, tBinary * 1e3);
  std::printf("format 2 (parameters as text, %ju bytes): load %.1f ms\n",
              static_cast<std::uintmax_t>(fs::file_size(text)), tText * 1e3);
  std::printf("ratio: %.1fx faster, %.1fx smaller\n", tText / tBinary,
              static_cast<double>(fs::file_size(text)) /
                  static_cast<double>(fs::file_size(fresh) + sidecar));
  fs::remove_all(dir);
  return 0;
}
