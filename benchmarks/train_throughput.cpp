// loom_bench_train: training throughput of one model on Loom's oneDNN CPU backend.
//
//   loom_bench_train MODEL.loom [--batch 128] [--threads N] [--seconds-per-chunk 1]
//                    [--chunks 5] [--warmup-seconds 2] [--profile] [--trainer] [--inference]
//
// Set-up (docs/benchmarks.md, shared/BENCHMARKS.md): Fashion-MNIST held in memory as float32,
// normalised with the model's mean/std (default 0.2860/0.3530), 16 batches prepared once and
// cycled; the model's loss and optimizer at a constant learning rate. One step = forward,
// loss, backward (which overwrites the gradients: nothing to zero), optimizer step. After
// a warm-up the step count per chunk is chosen to last about --seconds-per-chunk; the result
// is the median samples/s over --chunks chunks.
//
// --trainer times Trainer::step() instead (engine/train/trainer.h): the whole training loop as
// `loom train` runs it, with the background data loader (normalisation and the model's
// augmentation), the learning-rate schedule, the NaN/Inf checks and progress reporting, on
// the full training split with no validation split. The difference to the default mode is
// what the loop costs beyond the plan and the optimizer.
//
// --inference times forward alone on an inference plan (Dropout off, BatchNorm on running
// statistics), compiled as evaluation compiles its plans (weights reordered once).
//
// Prints one JSON object on stdout: {"model", "loop" ("plan", "trainer" or "inference"), "batch",
// "threads", "samples_per_second", "chunks": [...], "kernels": {...}}; with --profile (plan
// loop only) also "nodes": per-node forward and backward milliseconds per step (a separate,
// instrumented pass after the timed chunks).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/core/threads.h"
#include "engine/data/dataset.h"
#include "engine/exec/parameters.h"
#include "engine/exec/plan.h"
#include "engine/graph/analysis.h"
#include "engine/graph/model.h"
#include "engine/ops/losses.h"
#include "engine/optim/optimizer.h"
#include "engine/train/trainer.h"

using namespace loom;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string model;
  std::int64_t batch = 128;
  int threads = 0;
  double chunkSeconds = 1.0;
  int chunks = 5;
  double warmupSeconds = 2.0;
  bool profile = false;
  bool trainer = false;
  bool inference = false;
};

int usage(const char* why) {
  std::fprintf(stderr,
               "loom_bench_train: %s\nusage: loom_bench_train MODEL.loom [--batch N] [--threads N] "
               "[--seconds-per-chunk S] [--chunks N] [--warmup-seconds S] [--profile] [--trainer] "
               "[--inference]\n",
               why);
  return 2;
}

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

/// Everything one training step needs, built once.
struct Bench {
  Model model;
  std::string input;
  std::vector<Tensor> xs, ys;  // batches cycled through
  ParameterSet params;
  std::unique_ptr<Backend> cpu;
  Plan plan;
  std::unique_ptr<Optimizer> optimizer;
  Tensor diffLogits;
  double learningRate = 0;
  std::int64_t next = 0;
  std::unique_ptr<Trainer> trainer;  ///< --trainer: steps go through it instead
  bool inference = false;            ///< --inference: a step is one forward of a batch

  Status step() {
    if (trainer) return trainer->step();
    const size_t i = static_cast<size_t>(next++ % static_cast<std::int64_t>(xs.size()));
    if (inference) return plan.forward({{input, &xs[i]}}, false, 0);
    LOOM_RETURN_IF_ERROR(plan.forward({{input, &xs[i]}}, true, static_cast<std::uint64_t>(next)));
    LOOM_ASSIGN_OR_RETURN(double loss, softmaxCrossEntropy(plan.output(), ys[i], 0.0, &diffLogits));
    (void)loss;
    LOOM_RETURN_IF_ERROR(plan.backward(diffLogits));
    return optimizer->step(params.all(), learningRate);
  }
};

Status setUp(const Options& opt, Bench& b) {
  LOOM_ASSIGN_OR_RETURN(b.model, loadModel(opt.model));
  applyDefaults(b.model);
  if (b.model.training.loss().type() != "softmax_cross_entropy")
    return invalidArgument("the benchmark measures softmax cross-entropy; the model uses " +
                           b.model.training.loss().type());
  for (const auto& node : b.model.graph.nodes())
    if (node.op == "Input") b.input = node.name;
  auto analysis = std::make_shared<const GraphAnalysis>(
      analyzeGraph(b.model.graph, OpRegistry::global(), opt.batch));
  LOOM_RETURN_IF_ERROR(analysis->status);
  LOOM_ASSIGN_OR_RETURN(b.params, ParameterSet::create(b.model.graph, *analysis, b.model.parameters,
                                                       b.model.training.seed()));

  // Data in memory as float32, normalised once.
  LOOM_ASSIGN_OR_RETURN(Dataset data, loadFashionMnist(b.model.dataset.path(), Split::Train));
  const std::int64_t sample = data.sampleElements();
  const float mean = static_cast<float>(b.model.dataset.mean());
  const float stdev = static_cast<float>(b.model.dataset.std());
  const std::uint8_t* pixels = data.images.data<std::uint8_t>();
  Dims xDims = data.images.dims();
  xDims[0] = opt.batch;
  constexpr int kBatches = 16;
  for (int k = 0; k < kBatches; ++k) {
    Tensor x(xDims), y(Dims{opt.batch}, DType::I64);
    for (std::int64_t n = 0; n < opt.batch; ++n) {
      const std::int64_t s = (k * opt.batch + n) % data.size();
      for (std::int64_t e = 0; e < sample; ++e)
        x.f32()[n * sample + e] =
            (static_cast<float>(pixels[s * sample + e]) / 255.0f - mean) / stdev;
      y.data<std::int64_t>()[n] = data.labels.data<std::int64_t>()[s];
    }
    b.xs.push_back(x);
    b.ys.push_back(y);
  }

  b.cpu = makeCpuBackend();
  PlanOptions po;
  po.batch = opt.batch;
  po.training = !opt.inference;
  po.constantParameters = opt.inference;  // as evaluation and prediction compile theirs
  po.backends = {b.cpu.get()};
  po.analysis = analysis;
  b.inference = opt.inference;
  LOOM_ASSIGN_OR_RETURN(b.plan, Plan::compile(b.model.graph, b.params, po));
  LOOM_ASSIGN_OR_RETURN(b.optimizer, createOptimizer(b.model.training.optimizer()));
  LOOM_RETURN_IF_ERROR(b.optimizer->initializeState(b.params.all()));
  b.learningRate = baseLearningRate(b.model.training.optimizer());
  LOOM_RETURN_IF_ERROR(b.plan.forward({{b.input, &b.xs[0]}}, !opt.inference, 0));
  b.diffLogits = Tensor(b.plan.output().dims());
  return Status::ok();
}

/// --trainer: a Trainer over the model's own data set (full training split, no validation,
/// epochs enough that no epoch ends in a short measurement), writing into a temporary run
/// directory.
Status setUpTrainer(const Options& opt, Bench& b) {
  LOOM_ASSIGN_OR_RETURN(b.model, loadModel(opt.model));
  applyDefaults(b.model);
  b.model.training.set_batch_size(static_cast<std::int32_t>(opt.batch));
  b.model.training.set_threads(opt.threads);
  b.model.training.set_validation_fraction(0);
  b.model.training.set_epochs(1000);
  TrainOptions to;
  to.runDir = (std::filesystem::temp_directory_path() / "loom_bench_train_run").string();
  to.evaluateTest = false;
  LOOM_ASSIGN_OR_RETURN(b.trainer, Trainer::create(b.model, to));
  return Status::ok();
}

/// Per-node time from the plan's tap, which fires after each node's forward and backward:
/// the time since the previous tap is charged to that node (the first forward node also
/// absorbs the input copy; the loss and optimizer are measured separately).
nlohmann::json profileNodes(Bench& b, int steps) {
  std::map<std::string, double> fwd, bwd;
  std::vector<std::string> order;
  Clock::time_point last;
  b.plan.setTap([&](const std::string& node, const Tensor&, bool isGradient) {
    const double dt = seconds(last);
    auto& table = isGradient ? bwd : fwd;
    if (!isGradient && !fwd.count(node)) order.push_back(node);
    table[node] += dt;
    last = Clock::now();
  });
  double lossTime = 0, optimTime = 0;
  for (int s = 0; s < steps; ++s) {
    const size_t i = static_cast<size_t>(s % static_cast<int>(b.xs.size()));
    last = Clock::now();
    (void)b.plan.forward({{b.input, &b.xs[i]}}, true, 1);
    auto t = Clock::now();
    (void)softmaxCrossEntropy(b.plan.output(), b.ys[i], 0.0, &b.diffLogits);
    lossTime += seconds(t);
    last = Clock::now();
    (void)b.plan.backward(b.diffLogits);
    t = Clock::now();
    (void)b.optimizer->step(b.params.all(), b.learningRate);
    optimTime += seconds(t);
  }
  b.plan.setTap(nullptr);
  nlohmann::json nodes = nlohmann::json::array();
  const double perStepMs = 1000.0 / steps;
  for (const auto& name : order)
    nodes.push_back({{"node", name},
                     {"forward_ms", fwd[name] * perStepMs},
                     {"backward_ms", bwd[name] * perStepMs}});
  nodes.push_back({{"node", "(loss)"}, {"forward_ms", lossTime * perStepMs}, {"backward_ms", 0.0}});
  nodes.push_back(
      {{"node", "(optimizer)"}, {"forward_ms", 0.0}, {"backward_ms", optimTime * perStepMs}});
  return nodes;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--profile") {
      opt.profile = true;
    } else if (a == "--trainer") {
      opt.trainer = true;
    } else if (a == "--inference") {
      opt.inference = true;
    } else if (a.rfind("--", 0) == 0) {
      if (!(v = value())) return usage(("missing value for " + a).c_str());
      if (a == "--batch")
        opt.batch = std::atoll(v);
      else if (a == "--threads")
        opt.threads = std::atoi(v);
      else if (a == "--seconds-per-chunk")
        opt.chunkSeconds = std::atof(v);
      else if (a == "--chunks")
        opt.chunks = std::atoi(v);
      else if (a == "--warmup-seconds")
        opt.warmupSeconds = std::atof(v);
      else
        return usage(("unknown option " + a).c_str());
    } else if (opt.model.empty()) {
      opt.model = a;
    } else {
      return usage("more than one model given");
    }
  }
  if (opt.model.empty()) return usage("no model given");
  if (opt.batch < 1 || opt.chunks < 1 || opt.chunkSeconds <= 0)
    return usage("batch, chunks and seconds must be positive");
  setComputeThreads(opt.threads);

  Bench b;
  if (Status s = opt.trainer ? setUpTrainer(opt, b) : setUp(opt, b); !s) {
    std::fprintf(stderr, "loom_bench_train: %s\n", s.message().c_str());
    return 1;
  }
  auto check = [](const Status& s) {
    if (s) return;
    std::fprintf(stderr, "loom_bench_train: %s\n", s.message().c_str());
    std::exit(1);
  };

  // Warm-up (also measures the step time used to size the chunks).
  auto start = Clock::now();
  std::int64_t warmSteps = 0;
  do {
    check(b.step());
    ++warmSteps;
  } while (seconds(start) < opt.warmupSeconds || warmSteps < 3);
  const double stepSeconds = seconds(start) / static_cast<double>(warmSteps);
  const std::int64_t perChunk =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(opt.chunkSeconds / stepSeconds));

  std::vector<double> rates;
  for (int c = 0; c < opt.chunks; ++c) {
    auto t = Clock::now();
    for (std::int64_t s = 0; s < perChunk; ++s) check(b.step());
    rates.push_back(static_cast<double>(perChunk * opt.batch) / seconds(t));
  }
  std::vector<double> sorted = rates;
  std::sort(sorted.begin(), sorted.end());
  const size_t m = sorted.size();
  const double median = m % 2 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2]);

  nlohmann::json out;
  out["model"] = b.model.name;
  out["loop"] = opt.trainer ? "trainer" : opt.inference ? "inference" : "plan";
  out["batch"] = opt.batch;
  out["threads"] = computeThreads();
  out["samples_per_second"] = median;
  out["steps_per_chunk"] = perChunk;
  out["chunks"] = rates;
  for (const auto& k : b.trainer ? b.trainer->kernelInfo() : b.plan.kernelInfo())
    out["kernels"][k.node] = k.impl;
  if (opt.profile && !opt.trainer && !opt.inference)
    out["nodes"] = profileNodes(b, static_cast<int>(std::max<std::int64_t>(perChunk, 5)));
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
