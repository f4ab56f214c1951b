// The Trainer's lifecycle on real data (Fashion-MNIST, a few hundred samples): step-by-step
// training equals train() bit-exactly; pause from another thread stops progress without
// spinning and resume continues; stop writes a checkpoint from which a new Trainer ends
// byte-identical to an uninterrupted run; divergence on the last step is caught and nothing
// is saved; evaluation honours the model's thread setting; a reference-only backend list
// trains. Fashion-MNIST is required (the README installs it): without it these tests fail.
#include "engine/train/trainer.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/backends/backend.h"
#include "engine/core/file_util.h"
#include "engine/core/threads.h"
#include "engine/graph/model.h"

using namespace loom;
namespace fs = std::filesystem;

namespace {

// Every piece of state a resume must restore: Adam moments, BatchNorm running statistics,
// dropout masks, augmentation, a cosine schedule with warm-up, a validation split; the test
// split of 100 samples ends with a partial batch of 4 (its own evaluation plan).
const char* kModel = R"(
format_version: 2
name: "lifecycle"
graph {
  node { name: "image" op: "Input" attr { name: "shape" ints { v: [1, 28, 28] } } }
  node { name: "conv" op: "Conv2D" input: "image"
         attr { name: "filters" i: 4 } attr { name: "kernel_size" ints { v: [3, 3] } }
         attr { name: "padding" s: "same" } }
  node { name: "bn" op: "BatchNorm" input: "conv" }
  node { name: "relu" op: "ReLU" input: "bn" }
  node { name: "pool" op: "MaxPool2D" input: "relu" }
  node { name: "flatten" op: "Flatten" input: "pool" }
  node { name: "drop" op: "Dropout" input: "flatten" attr { name: "rate" f: 0.3 } }
  node { name: "logits" op: "Dense" input: "drop" attr { name: "units" i: 10 } }
}
training {
  epochs: 3 batch_size: 32 seed: 7 threads: 1 validation_fraction: 0.2
  optimizer { type: "adam" learning_rate: 0.002 }
  schedule { type: "cosine" warmup_steps: 4 }
}
dataset {
  train_limit: 320 test_limit: 100
  augmentation { random_crop_padding: 2 horizontal_flip: true }
}
)";
constexpr std::int64_t kStepsPerEpoch = 8;  // 256 training samples / 32
constexpr std::int64_t kEpochs = 3;

Model lifecycleModel() {
  auto m = parseModel(kModel, "lifecycle.loom");
  EXPECT_TRUE(m.hasValue()) << m.status().message();
  return *m;
}

std::string freshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_trainer_test_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  return dir.string();
}

TrainOptions optionsFor(const std::string& runDir) {
  TrainOptions o;
  o.runDir = runDir;
  return o;
}

std::unique_ptr<Trainer> makeTrainer(const Model& model, TrainOptions options) {
  auto t = Trainer::create(model, std::move(options));
  EXPECT_TRUE(t.hasValue()) << t.status().message();
  return t.hasValue() ? std::move(*t) : nullptr;
}

/// Fails unless both maps hold the same names with byte-identical values.
void expectSameBytes(const std::map<std::string, Tensor>& a,
                     const std::map<std::string, Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    auto it = b.find(name);
    ASSERT_NE(it, b.end()) << name;
    ASSERT_EQ(t.dims(), it->second.dims()) << name;
    EXPECT_EQ(std::memcmp(t.raw(), it->second.raw(), t.bytes()), 0) << name << " differs";
  }
}

double maxRelDiff(const std::map<std::string, Tensor>& a, const std::map<std::string, Tensor>& b) {
  double worst = 0;
  for (const auto& [name, t] : a) worst = std::max(worst, maxRelativeDifference(t, b.at(name)));
  return worst;
}

/// The uninterrupted run every interrupted run is compared with (computed once).
struct Reference {
  Model model;
  TrainResult result;
  std::string runDir;
};
const Reference& reference() {
  static const Reference ref = [] {
    Reference r;
    r.model = lifecycleModel();
    r.runDir = freshDir("reference");
    auto result = train(r.model, optionsFor(r.runDir));
    EXPECT_TRUE(result.hasValue()) << result.status().message();
    if (result) r.result = *result;
    return r;
  }();
  return ref;
}

double cpuSecondsOfProcess() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/// Polls `condition` every millisecond for up to 20 s.
template <typename F>
bool eventually(F condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

TEST(Trainer, ReferenceRunTrainsAndReportsEveryEpoch) {
  const Reference& ref = reference();
  ASSERT_EQ(ref.result.epochs.size(), static_cast<size_t>(kEpochs));
  EXPECT_EQ(ref.result.test.samples, 100);
  EXPECT_GT(ref.result.epochs[0].validationLoss, 0);
  // It learned something: better than the 10 % of chance on the test split.
  EXPECT_GT(ref.result.test.accuracy, 0.3);
  auto json = nlohmann::json::parse(*readFile(ref.runDir + "/run.json"));
  EXPECT_EQ(json["status"], "completed");
  EXPECT_EQ(json["global_step"], kEpochs * kStepsPerEpoch);
  EXPECT_EQ(json["epoch_metrics"].size(), static_cast<size_t>(kEpochs));
  EXPECT_TRUE(fs::exists(ref.runDir + "/model.loom"));
  EXPECT_TRUE(fs::exists(ref.runDir + "/checkpoints/last.ckpt"));
}

TEST(Trainer, StepByStepEqualsTrainBitExactly) {
  const Reference& ref = reference();
  auto trainer = makeTrainer(lifecycleModel(), optionsFor(freshDir("stepwise")));
  ASSERT_TRUE(trainer);
  EXPECT_EQ(trainer->status(), TrainStatus::Ready);
  ASSERT_TRUE(trainer->runEpoch().isOk());  // epoch 1 as one call
  EXPECT_EQ(trainer->position().epoch, 1);
  EXPECT_EQ(trainer->position().globalStep, kStepsPerEpoch);
  std::int64_t steps = 0;
  while (!trainer->done()) {  // the rest one step at a time
    ASSERT_TRUE(trainer->step().isOk());
    ++steps;
    EXPECT_EQ(trainer->position().globalStep, kStepsPerEpoch + steps);
  }
  EXPECT_EQ(steps, (kEpochs - 1) * kStepsPerEpoch);
  EXPECT_FALSE(trainer->step().isOk()) << "a step after the last one must be refused";
  auto result = trainer->finish();
  ASSERT_TRUE(result.hasValue()) << result.status().message();
  EXPECT_EQ(trainer->status(), TrainStatus::Completed);
  expectSameBytes(trainer->trainedModel().parameters, ref.model.parameters);
  ASSERT_EQ(result->epochs.size(), ref.result.epochs.size());
  for (size_t e = 0; e < result->epochs.size(); ++e) {
    EXPECT_EQ(result->epochs[e].trainLoss, ref.result.epochs[e].trainLoss) << e;
    EXPECT_EQ(result->epochs[e].validationLoss, ref.result.epochs[e].validationLoss) << e;
  }
  EXPECT_EQ(result->test.loss, ref.result.test.loss);
  EXPECT_EQ(result->test.accuracy, ref.result.test.accuracy);
}

TEST(Trainer, PauseFromAnotherThreadStopsProgressAndResumeContinues) {
  const Reference& ref = reference();
  TrainOptions o = optionsFor(freshDir("paused"));
  o.events = std::make_shared<TrainEventQueue>();
  auto trainer = makeTrainer(lifecycleModel(), o);
  ASSERT_TRUE(trainer);
  Expected<TrainResult> result = internalError("not run");
  std::thread worker([&] { result = trainer->run(); });

  ASSERT_TRUE(eventually([&] { return trainer->position().globalStep >= 3; }));
  trainer->pause();
  ASSERT_TRUE(eventually([&] { return trainer->status() == TrainStatus::Paused; }));
  const std::int64_t pausedAt = trainer->position().globalStep;
  EXPECT_LT(pausedAt, kEpochs * kStepsPerEpoch);
  const double cpuBefore = cpuSecondsOfProcess();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const double cpuWhilePaused = cpuSecondsOfProcess() - cpuBefore;
  EXPECT_EQ(trainer->position().globalStep, pausedAt) << "a paused run took steps";
  EXPECT_EQ(trainer->status(), TrainStatus::Paused);
  EXPECT_LT(cpuWhilePaused, 0.1) << "the paused training thread spins";
  auto json = nlohmann::json::parse(*readFile(o.runDir + "/run.json"));
  EXPECT_EQ(json["status"], "paused");

  trainer->resume();
  worker.join();
  ASSERT_TRUE(result.hasValue()) << result.status().message();
  EXPECT_EQ(trainer->status(), TrainStatus::Completed);
  expectSameBytes(trainer->trainedModel().parameters, ref.model.parameters);

  // The queue saw the lifecycle in order, every epoch and the test report.
  std::vector<TrainStatus> statuses;
  int epochs = 0, tests = 0, progress = 0;
  for (const auto& e : o.events->drain()) {
    if (e.kind == TrainEvent::Kind::Status) statuses.push_back(e.status);
    epochs += e.kind == TrainEvent::Kind::Epoch;
    tests += e.kind == TrainEvent::Kind::Test;
    progress += e.kind == TrainEvent::Kind::Progress;
  }
  EXPECT_EQ(statuses, (std::vector<TrainStatus>{TrainStatus::Running, TrainStatus::Paused,
                                                TrainStatus::Running, TrainStatus::Completed}));
  EXPECT_EQ(epochs, kEpochs);
  EXPECT_EQ(tests, 1);
  EXPECT_GE(progress, kEpochs);  // at least every epoch's last step
}

TEST(Trainer, StopWritesACheckpointThatANewTrainerResumesBitExactly) {
  const Reference& ref = reference();
  const std::string dir = freshDir("stopped");
  {
    // Stop #1, mid-epoch, from another thread while the run is stepping.
    auto trainer = makeTrainer(lifecycleModel(), optionsFor(dir));
    ASSERT_TRUE(trainer);
    Expected<TrainResult> result = internalError("not run");
    std::thread worker([&] { result = trainer->run(); });
    ASSERT_TRUE(eventually([&] { return trainer->position().globalStep >= 5; }));
    trainer->stop();
    worker.join();
    ASSERT_FALSE(result.hasValue());
    EXPECT_EQ(result.status().code(), ErrorCode::Cancelled) << result.status().message();
    EXPECT_NE(result.status().message().find("last.ckpt"), std::string::npos)
        << result.status().message();
    EXPECT_EQ(trainer->status(), TrainStatus::Stopped);
    EXPECT_FALSE(trainer->step().isOk()) << "a stopped run must refuse further steps";
    auto json = nlohmann::json::parse(*readFile(dir + "/run.json"));
    EXPECT_EQ(json["status"], "stopped");
    EXPECT_EQ(json["global_step"], trainer->position().globalStep);
  }
  std::int64_t resumedAt = 0;
  {
    // Stop #2: pause in epoch 2, then stop while paused (stop wakes a paused run).
    TrainOptions o = optionsFor(dir);
    o.resume = true;
    std::string note;
    o.onMessage = [&](const std::string& m) { note += m; };
    auto trainer = makeTrainer(lifecycleModel(), o);
    ASSERT_TRUE(trainer);
    resumedAt = trainer->position().globalStep;
    EXPECT_GE(resumedAt, 5);
    EXPECT_NE(note.find("resuming from"), std::string::npos) << note;
    while (trainer->position().globalStep < kStepsPerEpoch + 3) ASSERT_TRUE(trainer->step().isOk());
    trainer->pause();
    std::thread stopper([&] {
      EXPECT_TRUE(eventually([&] { return trainer->status() == TrainStatus::Paused; }));
      trainer->stop();
    });
    Status st = trainer->step();  // waits paused, then serves the stop
    stopper.join();
    EXPECT_EQ(st.code(), ErrorCode::Cancelled) << st.message();
    EXPECT_EQ(trainer->position().globalStep, kStepsPerEpoch + 3);
  }
  TrainOptions o = optionsFor(dir);
  o.resume = true;
  auto trainer = makeTrainer(lifecycleModel(), o);
  ASSERT_TRUE(trainer);
  EXPECT_EQ(trainer->position().globalStep, kStepsPerEpoch + 3);
  auto result = trainer->run();
  ASSERT_TRUE(result.hasValue()) << result.status().message();
  expectSameBytes(trainer->trainedModel().parameters, ref.model.parameters);
  EXPECT_EQ(result->test.loss, ref.result.test.loss);
  // The final checkpoints are the same bytes, and run.json lists every epoch once.
  EXPECT_TRUE(*readFile(dir + "/checkpoints/last.ckpt") ==
              *readFile(ref.runDir + "/checkpoints/last.ckpt"))
      << "the final checkpoints differ";
  auto json = nlohmann::json::parse(*readFile(dir + "/run.json"));
  ASSERT_EQ(json["epoch_metrics"].size(), static_cast<size_t>(kEpochs));
  for (std::int64_t e = 0; e < kEpochs; ++e) EXPECT_EQ(json["epoch_metrics"][e]["epoch"], e + 1);
  EXPECT_EQ(json["status"], "completed");
}

TEST(Trainer, DivergenceOnTheLastStepIsCaughtAndNothingIsSaved) {
  Model model = lifecycleModel();
  model.training.mutable_optimizer()->set_type("sgd");
  model.training.mutable_optimizer()->set_learning_rate(1e308);
  model.training.mutable_schedule()
      ->Clear();  // constant (a cosine over 1e308 overflows before any step)
  TrainOptions o = optionsFor(freshDir("diverged"));
  o.maxSteps = 1;  // the divergent step is the run's last
  Model trained = model;
  auto result = train(trained, o);
  ASSERT_FALSE(result.hasValue()) << "a run with 1e308 learning rate completed";
  EXPECT_EQ(result.status().code(), ErrorCode::NonFinite);
  EXPECT_NE(result.status().message().find("node \""), std::string::npos)
      << result.status().message();
  EXPECT_NE(result.status().message().find("epoch 1, step 1"), std::string::npos)
      << result.status().message();
  EXPECT_FALSE(fs::exists(o.runDir + "/checkpoints/last.ckpt"))
      << "a diverged state was checkpointed";
  auto json = nlohmann::json::parse(*readFile(o.runDir + "/run.json"));
  EXPECT_EQ(json["status"], "diverged");
  EXPECT_NE(json["error"].get<std::string>().find("node \""), std::string::npos);
  EXPECT_TRUE(trained.parameters.empty()) << "train() handed back diverged parameters";

  auto trainer = makeTrainer(model, optionsFor(freshDir("diverged2")));
  ASSERT_TRUE(trainer);
  EXPECT_EQ(trainer->step().code(), ErrorCode::NonFinite);
  EXPECT_EQ(trainer->status(), TrainStatus::Diverged);
  EXPECT_FALSE(trainer->finish().hasValue());
}

TEST(Trainer, ResumingWithAnotherOptimizerSaysSo) {
  const std::string dir = freshDir("other_optimizer");
  TrainOptions o = optionsFor(dir);
  o.maxSteps = 2;
  Model model = lifecycleModel();
  ASSERT_TRUE(train(model, o).hasValue());
  Model sgd = lifecycleModel();
  sgd.training.mutable_optimizer()->set_type("sgd");
  sgd.training.mutable_optimizer()->set_momentum(0.9);
  o.resume = true;
  auto t = Trainer::create(sgd, o);
  ASSERT_FALSE(t.hasValue());
  EXPECT_EQ(t.status().code(), ErrorCode::ModelMismatch);
  EXPECT_NE(t.status().message().find("another optimizer"), std::string::npos)
      << t.status().message();
  EXPECT_NE(t.status().message().find("last.ckpt"), std::string::npos) << t.status().message();
}

TEST(Trainer, ReferenceBackendOnlyTrainsAndAgreesWithTheDefaultBackends) {
  Model model = lifecycleModel();
  model.dataset.set_train_limit(96);  // 2 steps: the reference kernels are slow
  TrainOptions o = optionsFor(freshDir("reference_backend"));
  o.backends = {std::shared_ptr<Backend>(makeReferenceBackend())};
  o.evaluateTest = false;
  o.maxSteps = 2;
  auto ref = makeTrainer(model, o);
  ASSERT_TRUE(ref);
  for (const auto& k : ref->kernelInfo()) {
    EXPECT_EQ(k.impl, "reference") << k.node;
    EXPECT_TRUE(k.declined.empty()) << k.node;
  }
  ASSERT_TRUE(ref->run().hasValue());

  o.backends.clear();  // defaultBackends(): oneDNN first, with reasons where it declines
  o.runDir = freshDir("default_backends");
  auto cpu = makeTrainer(model, o);
  ASSERT_TRUE(cpu);
  int onednn = 0;
  for (const auto& k : cpu->kernelInfo()) {
    if (k.impl.rfind("onednn", 0) == 0) ++onednn;
    if (k.impl == "reference") {
      EXPECT_FALSE(k.declined.empty()) << k.node << ": fell back without a reason";
    }
  }
  EXPECT_GE(onednn, 3);  // conv, batch norm, dense at least
  ASSERT_TRUE(cpu->run().hasValue());
  // Same arithmetic up to float rounding: two Adam steps from the same initial weights.
  EXPECT_LT(maxRelDiff(ref->trainedModel().parameters, cpu->trainedModel().parameters), 1e-3);
}

// A process spinning on one of this process' cores makes that core busy: the default team
// leaves it out (whatever else runs on the machine can only make fewer cores idle).
TEST(Threads, ACoreKeptBusyByAnotherProcessIsNotCountedIdle) {
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  int last = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &mine)) last = c;
  if (availableCores() < 2) GTEST_SKIP() << "needs 2 cores: with 1 the idle count is 1 anyway";
  const pid_t busy = fork();
  ASSERT_GE(busy, 0);
  if (busy == 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(last, &one);
    sched_setaffinity(0, sizeof(one), &one);
    for (volatile unsigned long i = 0;; i = i + 1) {
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int idle = sampleIdleCores();
  kill(busy, SIGKILL);
  waitpid(busy, nullptr, 0);
  EXPECT_LE(idle, availableCores() - 1) << "core " << last << " ran a busy loop";
}

TEST(Evaluate, HonoursTheModelThreadSettingAndRestoresTheCallers) {
  Model model = lifecycleModel();
  model.dataset.set_test_limit(64);
  setComputeThreads(3);
  for (int setting : {1, 2, 0}) {
    model.training.set_threads(setting);
    int seen = -1;
    auto m = evaluate(model, 16, [&](const TrainProgress&) { seen = computeThreads(); });
    ASSERT_TRUE(m.hasValue()) << m.status().message();
    EXPECT_EQ(m->samples, 64);
    EXPECT_EQ(seen, setting == 0 ? idleCores() : setting) << "threads setting " << setting;
    EXPECT_EQ(computeThreads(), 3) << "evaluate() changed the caller's thread count";
  }
  setComputeThreads(0);
}

TEST(Threads, ZeroMeansTheIdleCoresAndLargeValuesAreBounded) {
  const int idle = idleCores();
  EXPECT_GE(idle, 1);
  EXPECT_LE(idle, availableCores());
  EXPECT_EQ(resolveComputeThreads(0), idle);
  EXPECT_EQ(resolveComputeThreads(-4), idle);
  EXPECT_EQ(resolveComputeThreads(3), 3);
  EXPECT_EQ(resolveComputeThreads(2147483647), kMaxComputeThreads);
  setComputeThreads(0);
  EXPECT_EQ(computeThreads(), idle);
  setComputeThreads(2);
  EXPECT_EQ(computeThreads(), 2);
  {
    ScopedComputeThreads scoped(1);
    EXPECT_EQ(computeThreads(), 1);
  }
  EXPECT_EQ(computeThreads(), 2);
  setComputeThreads(0);
}

TEST(TrainEventQueue, DropsOnlyOldProgressWhenFull) {
  TrainEventQueue q(3);
  TrainEvent progress;
  progress.kind = TrainEvent::Kind::Progress;
  TrainEvent epoch;
  epoch.kind = TrainEvent::Kind::Epoch;
  q.push(progress);
  q.push(epoch);
  q.push(progress);
  q.push(epoch);  // full: drops the first progress event
  q.push(epoch);  // drops the second
  q.push(epoch);  // none left to drop: kept anyway
  EXPECT_EQ(q.dropped(), 2u);
  auto all = q.drain();
  ASSERT_EQ(all.size(), 4u);
  for (const auto& e : all) EXPECT_EQ(e.kind, TrainEvent::Kind::Epoch);
  EXPECT_FALSE(q.waitPop(std::chrono::milliseconds(10)).has_value());
}

// A kind without a test split (CSV) and with per-feature standardisation: the run completes
// without a test report, and evaluate() says the split is missing instead of scoring nothing.
TEST(Trainer, CsvKindTrainsWithoutATestSplit) {
  const std::string dir = freshDir("csv");
  fs::create_directories(dir);
  const std::string csv = dir + "/blobs.csv";
  std::string text = "a,b,c,d,label\n";
  std::uint64_t lcg = 12345;
  auto noise = [&] {
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(lcg >> 11) / 9007199254740992.0 - 0.5;
  };
  for (int i = 0; i < 480; ++i) {
    const int c = i % 3;  // three blobs far apart on a scale of thousands
    text += std::to_string(1000.0 + 300.0 * c + 50.0 * noise()) + "," +
            std::to_string(-2000.0 * c + 80.0 * noise()) + "," + std::to_string(noise()) + "," +
            std::to_string(5000.0 + noise()) + "," + std::to_string(c) + "\n";
  }
  ASSERT_TRUE(writeFileAtomically(csv, text).isOk());
  auto model = parseModel(R"(
format_version: 2
name: "blobs"
graph {
  node { name: "x" op: "Input" attr { name: "shape" ints { v: [4] } } }
  node { name: "h" op: "Dense" input: "x" attr { name: "units" i: 16 } }
  node { name: "r" op: "ReLU" input: "h" }
  node { name: "logits" op: "Dense" input: "r" attr { name: "units" i: 3 } }
}
training { epochs: 4 batch_size: 16 seed: 3 threads: 1 validation_fraction: 0.25
           optimizer { type: "adam" learning_rate: 0.01 } }
dataset { kind: "csv" path: ")" +
                              csv + R"(" }
)",
                          "blobs.loom");
  ASSERT_TRUE(model.hasValue()) << model.status().message();
  auto result = train(*model, optionsFor(dir + "/run"));
  ASSERT_TRUE(result.hasValue()) << result.status().message();
  EXPECT_EQ(result->test.samples, 0);
  EXPECT_GT(result->epochs.back().validationAccuracy, 0.9);
  auto json = nlohmann::json::parse(*readFile(dir + "/run/run.json"));
  EXPECT_EQ(json["status"], "completed");
  EXPECT_EQ(json["dataset"]["kind"], "csv");
  EXPECT_FALSE(json.contains("test"));
  auto m = evaluate(*model, 16);
  ASSERT_FALSE(m.hasValue());
  EXPECT_EQ(m.status().code(), ErrorCode::NotFound);
  EXPECT_NE(m.status().message().find("no test split"), std::string::npos) << m.status().message();
}
