// What the Trainer writes into its run directory's event file (docs/runs.md, "Event files"),
// read back with LogDirReader and checked against independent numbers: the epoch metrics
// the trainer reports through its callbacks, run.json, the trained parameters, and counts
// implied by the data split. Fashion-MNIST is required (the README installs it).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/core/file_util.h"
#include "engine/events/confusion.h"
#include "engine/events/log_dir_reader.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/support/tiny_models.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using namespace loom::events;

const std::string kModel = loom::test::tinyModel("logged", loom::test::kTinyConvGraph, R"(training {
  epochs: 2 batch_size: 32 seed: 3 threads: 1 validation_fraction: 0.2
  optimizer { type: "adam" learning_rate: 0.002 }
  logging { histogram_every: 4 }
}
dataset { train_limit: 320 test_limit: 100 }
)");
constexpr int kSteps = 16;  // 2 epochs × 256 training samples / 32

std::string freshDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("loom_training_log_" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  return dir.string();
}

Model model() {
  auto m = parseModel(kModel, "logged.loom");
  EXPECT_TRUE(m.hasValue()) << m.status().message();
  return *m;
}

struct Trained {
  std::vector<EpochMetrics> epochs;
  TrainResult result;
  Model trained;
  std::atomic<int> userTapCalls{0};
};

void trainInto(const std::string& dir, const Model& m, Trained* out) {
  TrainOptions o;
  o.runDir = dir;
  o.onEpoch = [out](const EpochMetrics& e) { out->epochs.push_back(e); };
  auto trainer = Trainer::create(m, o);
  ASSERT_TRUE(trainer.hasValue()) << trainer.status().message();
  (*trainer)->setTap([out](const std::string&, const Tensor&, bool) { ++out->userTapCalls; });
  auto result = (*trainer)->run();
  ASSERT_TRUE(result.hasValue()) << result.status().message();
  out->result = *result;
  out->trained = (*trainer)->trainedModel();
}

TEST(EventsTraining, TheRunDirectoryHoldsEveryTag) {
  const std::string dir = freshDir("full");
  Trained t;
  trainInto(dir, model(), &t);
  ASSERT_EQ(t.epochs.size(), 2u);
  EXPECT_GT(t.userTapCalls.load(), 0);  // Trainer::setTap still reaches the caller

  LogDirReader reader(dir);
  reader.poll();
  const RunData* run = reader.run(".");
  ASSERT_NE(run, nullptr);
  for (const auto& p : run->problems) ADD_FAILURE() << p.message;
  ASSERT_EQ(run->files.size(), 1u);

  // Per step: every global step 1..16 once.
  for (const char* tag : {"loss/train_step", "accuracy/train_step", "learning_rate"}) {
    const ScalarSeries& s = run->scalars.at(tag);
    ASSERT_EQ(s.size(), static_cast<std::size_t>(kSteps)) << tag;
    for (int i = 0; i < kSteps; ++i) EXPECT_EQ(s.steps[i], i + 1) << tag;
  }
  for (double lr : run->scalars.at("learning_rate").values) {
    EXPECT_EQ(lr, static_cast<double>(0.002f));  // constant schedule
  }
  // The mean of an epoch's batch losses is the epoch's training loss (equal batch sizes).
  const auto& stepLoss = run->scalars.at("loss/train_step").values;
  for (int e = 0; e < 2; ++e) {
    double sum = 0;
    for (int i = 0; i < 8; ++i) sum += stepLoss[static_cast<std::size_t>(e * 8 + i)];
    EXPECT_NEAR(sum / 8, t.epochs[static_cast<std::size_t>(e)].trainLoss, 1e-5);
  }
  // Per epoch, at the global step of the epoch's end.
  const ScalarSeries& validation = run->scalars.at("accuracy/validation");
  ASSERT_EQ(validation.size(), 2u);
  EXPECT_EQ(validation.steps, (std::vector<std::int64_t>{8, 16}));
  for (int e = 0; e < 2; ++e) {
    EXPECT_EQ(validation.values[e], static_cast<double>(static_cast<float>(
                                        t.epochs[static_cast<std::size_t>(e)].validationAccuracy)));
  }
  EXPECT_EQ(run->scalars.at("loss/train").size(), 2u);
  EXPECT_EQ(run->scalars.at("accuracy/test").values.at(0),
            static_cast<double>(static_cast<float>(t.result.test.accuracy)));

  // Histograms every 4 steps of every parameter, its gradient, and the nodes' activations.
  for (const auto& [name, value] : t.trained.parameters) {
    for (const std::string suffix : {"/value", "/gradient"}) {
      const auto& h = run->histograms.at(name + suffix);
      ASSERT_EQ(h.size(), 4u) << name << suffix;
      EXPECT_EQ(h.back().step, 16);
    }
    // The last one is of the trained parameters: compare with the tensor itself.
    const Histogram& last = run->histograms.at(name + "/value").back().value;
    EXPECT_EQ(last.num, static_cast<double>(std::min<std::int64_t>(value.numel(), 1 << 16)));
    if (value.numel() <= (1 << 16)) {
      const float* p = value.f32();
      EXPECT_EQ(last.min, *std::min_element(p, p + value.numel())) << name;
      EXPECT_EQ(last.max, *std::max_element(p, p + value.numel())) << name;
    }
  }
  for (const char* node : {"conv", "relu", "logits"}) {
    EXPECT_EQ(run->histograms.at(std::string(node) + "/activation").size(), 4u) << node;
    EXPECT_EQ(run->histograms.at(std::string(node) + "/activation_gradient").size(), 4u) << node;
  }
  EXPECT_GE(run->histograms.at("relu/activation").back().value.min, 0.0);  // ReLU output

  // The probe batch: 16 test images per epoch with their labels.
  for (int k = 0; k < 16; ++k) {
    char tag[16];
    std::snprintf(tag, sizeof tag, "probe/%02d", k);
    const auto& img = run->images.at(tag);
    ASSERT_EQ(img.size(), 2u) << tag;
    EXPECT_EQ(img[0].value.at(0).width, 28);
    EXPECT_EQ(img[0].value.at(0).encoded.substr(1, 3), "PNG");
  }
  EXPECT_EQ(run->texts.at("probe/labels").size(), 2u);
  // And their Integrated Gradients maps, drawn over them at scale 4, every epoch. The weights
  // changed between the epochs, so some map did: a probe that kept the first epoch's
  // reordered weights would draw every map the same twice.
  int changed = 0;
  for (int k = 0; k < 16; ++k) {
    char tag[32];
    std::snprintf(tag, sizeof tag, "probe/attribution/%02d", k);
    const auto& img = run->images.at(tag);
    ASSERT_EQ(img.size(), 2u) << tag;
    EXPECT_EQ(img[0].value.at(0).width, 4 * 28);
    EXPECT_EQ(img[0].value.at(0).encoded.substr(1, 3), "PNG");
    changed += img[0].value.at(0).encoded != img[1].value.at(0).encoded;
  }
  EXPECT_GT(changed, 0);

  // Confusion matrices: the validation split has 64 samples, the test split 100, and the
  // diagonal over the total is the accuracy the trainer reported.
  const auto& cv = run->texts.at("confusion_matrix/validation");
  ASSERT_EQ(cv.size(), 2u);
  for (int e = 0; e < 2; ++e) {
    std::vector<std::string> classes;
    std::vector<std::int64_t> counts;
    ASSERT_TRUE(parseConfusionMarkdown(cv[static_cast<std::size_t>(e)].value, &classes, &counts));
    ASSERT_EQ(classes.size(), 10u);
    std::int64_t total = 0, diagonal = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      total += counts[i];
      if (i / 10 == i % 10) diagonal += counts[i];
    }
    EXPECT_EQ(total, 64);
    EXPECT_DOUBLE_EQ(static_cast<double>(diagonal) / 64.0,
                     t.epochs[static_cast<std::size_t>(e)].validationAccuracy);
  }
  std::vector<std::string> classes;
  std::vector<std::int64_t> counts;
  ASSERT_TRUE(parseConfusionMarkdown(run->texts.at("confusion_matrix/test").at(0).value, &classes,
                                     &counts));
  std::int64_t total = 0, diagonal = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    total += counts[i];
    if (i / 10 == i % 10) diagonal += counts[i];
  }
  EXPECT_EQ(total, 100);
  EXPECT_DOUBLE_EQ(static_cast<double>(diagonal) / 100.0, t.result.test.accuracy);

  // Model summary and hyperparameters.
  EXPECT_NE(run->texts.at("model/summary").at(0).value.find("| conv | Conv2D |"),
            std::string::npos);
  ASSERT_TRUE(run->hparams);
  EXPECT_EQ(std::get<std::string>(run->hparams->values.at("training.optimizer.type")), "adam");
  EXPECT_EQ(std::get<double>(run->hparams->values.at("training.batch_size")), 32);
  EXPECT_EQ(std::get<double>(run->hparams->values.at("training.logging.histogram_every")), 4);
  EXPECT_EQ(run->hparams->endStatus, "success");

  // run.json: best metric, pid, host; LogDirReader reads the same.
  ASSERT_TRUE(run->info);
  EXPECT_EQ(run->info->status, "completed");
  EXPECT_FALSE(run->info->crashed);
  EXPECT_EQ(run->info->pid, static_cast<std::int64_t>(::getpid()));
  EXPECT_EQ(run->info->bestMetricName, "accuracy/validation");
  const double best = std::max(t.epochs[0].validationAccuracy, t.epochs[1].validationAccuracy);
  EXPECT_EQ(run->info->bestMetric, best);
  EXPECT_EQ(run->info->bestStep,
            t.epochs[1].validationAccuracy > t.epochs[0].validationAccuracy ? 16 : 8);
}

TEST(EventsTraining, LoggingOffWritesNoEventFile) {
  const std::string dir = freshDir("off");
  Model m = model();
  m.training.mutable_logging()->set_events("off");
  Trained t;
  trainInto(dir, m, &t);
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename().string().find("tfevents"), std::string::npos) << entry.path();
  }
  EXPECT_GT(t.userTapCalls.load(), 0);
}

TEST(EventsTraining, ARunLeftRunningByADeadProcessReadsAsCrashed) {
  const std::string dir = freshDir("crashed");
  fs::create_directories(dir);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  // A pid that cannot exist (above the kernel's pid_max of 2^22).
  const std::string json =
      std::string(R"({"status": "running", "host": ")") + host + R"(", "pid": 99999999})";
  ASSERT_TRUE(writeFileAtomically(dir + "/run.json", json).isOk());
  LogDirReader reader(dir);
  reader.poll();
  ASSERT_TRUE(reader.run(".")->info);
  EXPECT_TRUE(reader.run(".")->info->crashed);
  EXPECT_EQ(reader.run(".")->info->effectiveStatus(), "crashed");
}

}  // namespace
}  // namespace loom
