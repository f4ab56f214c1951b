// summarizeConfusion (engine/events/confusion.h) against scikit-learn
// (tests/python/confusion_reference.py at /usr/bin/python3): the confusion matrices a real
// training run on Fashion-MNIST wrote into its event file (every epoch's validation matrix and
// the test matrix), expanded to one (true, predicted) pair per sample for sklearn to count
// itself, and hand-made matrices with a class never predicted, a class with no samples and
// an empty one. A missing sklearn fails the test.
#include "engine/events/confusion.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/events/log_dir_reader.h"
#include "engine/graph/model.h"
#include "engine/train/trainer.h"
#include "tests/engine/events/events_test_util.h"
#include "tests/support/run_command.h"
#include "tests/support/tiny_models.h"

namespace loom::events {
namespace {

using nlohmann::json;

const std::string kModel =
    loom::test::tinyModel("confusion", loom::test::tinyMlpGraph(32), R"(training {
  epochs: 3 batch_size: 32 seed: 5 threads: 1 validation_fraction: 0.25
  optimizer { type: "adam" learning_rate: 0.003 }
}
dataset { train_limit: 1024 test_limit: 600 }
)");

/// sklearn's summary of the samples behind `counts` (n × n).
json sklearnSummary(const std::vector<std::int64_t>& counts, std::size_t n,
                    const std::string& name) {
  const auto path = test::scratch("confusion_" + name) / "pairs.txt";
  {
    std::ofstream out(path);
    out << n << "\n";
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < n; ++c)
        for (std::int64_t k = 0; k < counts[r * n + c]; ++k) out << r << " " << c << "\n";
  }
  const auto result =
      loom::test::runCommand(std::string(LOOM_PYTHON) + " " + LOOM_SOURCE_DIR +
                             "/tests/python/confusion_reference.py '" + path.string() + "' 2>&1");
  EXPECT_EQ(result.rc, 0) << result.out;
  if (result.rc != 0) return json::object();
  return json::parse(result.out);
}

void expectMatches(const ConfusionSummary& s, const json& ref, const std::string& what) {
  ASSERT_TRUE(ref.contains("precision")) << what;
  ASSERT_EQ(s.classes.size(), ref["precision"].size()) << what;
  constexpr double kTol = 1e-12;
  std::int64_t total = 0;
  for (std::size_t k = 0; k < s.classes.size(); ++k) {
    const ClassScores& c = s.classes[k];
    EXPECT_NEAR(c.precision, ref["precision"][k].get<double>(), kTol) << what << " class " << k;
    EXPECT_NEAR(c.recall, ref["recall"][k].get<double>(), kTol) << what << " class " << k;
    EXPECT_NEAR(c.f1, ref["f1"][k].get<double>(), kTol) << what << " class " << k;
    EXPECT_EQ(c.support, ref["support"][k].get<std::int64_t>()) << what << " class " << k;
    total += ref["support"][k].get<std::int64_t>();
  }
  EXPECT_EQ(s.total, total) << what;
  EXPECT_NEAR(s.accuracy, ref["accuracy"].get<double>(), kTol) << what;
  for (const auto& [avg, key] :
       {std::pair{&s.macro, "macro"}, std::pair{&s.weighted, "weighted"}}) {
    EXPECT_NEAR(avg->precision, ref[key]["precision"].get<double>(), kTol) << what << " " << key;
    EXPECT_NEAR(avg->recall, ref[key]["recall"].get<double>(), kTol) << what << " " << key;
    EXPECT_NEAR(avg->f1, ref[key]["f1"].get<double>(), kTol) << what << " " << key;
  }
}

TEST(EventsConfusion, SummaryOfARealRunMatchesScikitLearn) {
  const auto dir = test::scratch("confusion_run");
  auto model = parseModel(kModel, "confusion.loom");
  ASSERT_TRUE(model.hasValue()) << model.status().message();
  TrainOptions o;
  o.runDir = dir.string();
  auto trainer = Trainer::create(*model, o);
  ASSERT_TRUE(trainer.hasValue()) << trainer.status().message();
  auto result = (*trainer)->run();
  ASSERT_TRUE(result.hasValue()) << result.status().message();

  LogDirReader reader(dir.string());
  reader.poll();
  const RunData* run = reader.run(".");
  ASSERT_NE(run, nullptr);
  std::vector<std::pair<std::string, std::string>> matrices;  // (what, markdown)
  const auto& validation = run->texts.at("confusion_matrix/validation");
  ASSERT_EQ(validation.size(), 3u);  // one per epoch
  for (std::size_t e = 0; e < validation.size(); ++e)
    matrices.emplace_back("validation epoch " + std::to_string(e + 1), validation[e].value);
  matrices.emplace_back("test", run->texts.at("confusion_matrix/test").at(0).value);
  for (const auto& [what, text] : matrices) {
    std::vector<std::string> classes;
    std::vector<std::int64_t> counts;
    ASSERT_TRUE(parseConfusionMarkdown(text, &classes, &counts)) << what;
    ASSERT_EQ(classes.size(), 10u);
    const ConfusionSummary s = summarizeConfusion(counts, classes);
    EXPECT_EQ(s.classes[0].name, classes[0]);
    expectMatches(s, sklearnSummary(counts, 10, "run"), what);
  }
  // The test matrix's accuracy is the one the trainer reported.
  std::vector<std::string> classes;
  std::vector<std::int64_t> counts;
  ASSERT_TRUE(parseConfusionMarkdown(matrices.back().second, &classes, &counts));
  EXPECT_DOUBLE_EQ(summarizeConfusion(counts, classes).accuracy, result->test.accuracy);
}

TEST(EventsConfusion, ClassesNeverPredictedOrWithoutSamplesScoreZeroAsScikitLearn) {
  // Class 1 is never predicted (precision 0/0), class 2 has no samples (recall 0/0),
  // class 3 has neither (both, and F1), class 0 is right every time.
  const std::vector<std::int64_t> counts = {5, 0, 0, 0,  //
                                            2, 0, 3, 0,  //
                                            0, 0, 0, 0,  //
                                            0, 0, 0, 0};
  const ConfusionSummary s = summarizeConfusion(counts, {"a", "b", "c", "d"});
  expectMatches(s, sklearnSummary(counts, 4, "edge"), "edge cases");
  EXPECT_EQ(s.classes[1].predicted, 0);
  EXPECT_EQ(s.classes[2].support, 0);
  EXPECT_EQ(s.classes[3].f1, 0.0);
  EXPECT_EQ(s.classes[0].precision, 5.0 / 7.0);  // hand-computed: 5 of the 7 predicted "a"
}

TEST(EventsConfusion, MalformedInputGivesAnEmptySummary) {
  const ConfusionSummary s = summarizeConfusion({1, 2, 3}, {"a", "b"});  // not square
  EXPECT_TRUE(s.classes.empty());
  EXPECT_EQ(s.total, 0);
  const ConfusionSummary empty = summarizeConfusion({0, 0, 0, 0}, {"a"});  // a name missing
  ASSERT_EQ(empty.classes.size(), 2u);
  EXPECT_EQ(empty.classes[1].name, "1");
  EXPECT_EQ(empty.accuracy, 0.0);
}

}  // namespace
}  // namespace loom::events
